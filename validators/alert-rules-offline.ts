import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  ALERT_RULES,
  RECEIVERS_BY_SEVERITY,
  requiredFor,
  type AlertRuleDef,
  type Severity,
} from '../catalog/index.ts';
import { childEnv, forEachConcurrent, type CheckResult } from '../core/index.ts';
import type { PromRuleGroup } from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { errorMessage, result, skipped, type ResultBase } from './result.ts';

/**
 * The alerting configuration, checked without a running stack: `promtool check rules` and
 * `promtool test rules` (the unit tests beside the rules, at production time scales), the
 * annotation templates against the labels each expression keeps, and `amtool check-config` plus
 * `amtool config routes test` on the rendered Alertmanager config.
 *
 * Against a stack of its own (`ctx.alertSources`, `--stack external`): the rules the stack's
 * Prometheus has loaded (`/api/v1/rules`) and the config its Alertmanager runs (`/api/v2/status`),
 * written to temporary files for promtool and amtool, plus each required alert's presence and labels.
 * The repo's promtool unit tests exercise the repo's rules, so they run on files only. Every result
 * says what it checked (`evidence.source`).
 */

const TOOL_TIMEOUT_MS = 60_000;
/** promtool/amtool processes at once (each test file is one process; the CI machine has 2 cores). */
const TOOL_CONCURRENCY = 4;
/** An alert name for the per-severity route tests that no rule uses, so no alertname route can catch it. */
const ROUTE_PROBE_ALERT = 'PhoenixRouteProbe';

const base = (id: string, title: string, phase: number): ResultBase => ({
  id: `alerts.offline.${id}`,
  family: 'alerts',
  title,
  phase,
});

// ---------------------------------------------------------------------------------------------
// Running the tools: never throws, the outcome is data.
// ---------------------------------------------------------------------------------------------

export interface ToolRun {
  /** Exit code; undefined when the tool could not be started (then `error` says why). */
  code?: number;
  stdout: string;
  stderr: string;
  error?: string;
}

export function runTool(path: string, args: readonly string[], cwd?: string): Promise<ToolRun> {
  return new Promise((done) => {
    execFile(
      path,
      [...args],
      {
        timeout: TOOL_TIMEOUT_MS,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
        env: childEnv(),
        ...(cwd ? { cwd } : {}),
      },
      (error, stdout, stderr) => {
        if (!error) return done({ code: 0, stdout, stderr });
        const e = error as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
        if (typeof e.code === 'number') return done({ code: e.code, stdout, stderr });
        const why = e.killed ? `killed after ${TOOL_TIMEOUT_MS}ms` : `${e.code ?? ''} ${e.message}`.trim();
        done({ stdout, stderr, error: `could not run ${path}: ${why}` });
      },
    );
  });
}

const output = (run: ToolRun) => `${run.stdout}\n${run.stderr}`.trim();
const excerpt = (text: string, max = 1_500) => (text.length > max ? `${text.slice(0, max)} …` : text);

/** Expands `dir/*.yml`-style globs (in the last path segment only, as Prometheus's rule_files use them). */
export async function expandGlobs(patterns: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const pattern of patterns) {
    const name = basename(pattern);
    if (!/[*?]/.test(name)) {
      out.push(resolve(pattern));
      continue;
    }
    const dir = dirname(pattern);
    const re = new RegExp(
      `^${name
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    const entries = await readdir(dir).catch(() => [] as string[]);
    out.push(
      ...entries
        .filter((e) => re.test(e))
        .sort()
        .map((e) => resolve(dir, e)),
    );
  }
  return [...new Set(out)];
}

// ---------------------------------------------------------------------------------------------
// promtool check rules
// ---------------------------------------------------------------------------------------------

export async function checkRules(ctx: ValidationContext, ruleFiles: string[]): Promise<CheckResult> {
  const b = base('check-rules', 'The rule files pass `promtool check rules`', 1);
  const promtool = ctx.tools?.promtool;
  if (!promtool) return skipped(b, 'needs promtool (ctx.tools.promtool; the CLI passes the provisioned one)');
  const expected = 'promtool check rules: SUCCESS for every file';
  const run = await runTool(promtool, ['check', 'rules', ...ruleFiles]);
  const evidence = { ruleFiles, command: `${promtool} check rules ${ruleFiles.join(' ')}` };
  if (run.error) return result(b, 'error', { expected, observed: run.error, message: run.error, evidence });
  if (run.code === 0) {
    const counts = [...run.stdout.matchAll(/SUCCESS: (\d+) rules found/g)].map((m) => Number(m[1]));
    const total = counts.reduce((a, n) => a + n, 0);
    return result(b, 'pass', {
      expected,
      observed: `${ruleFiles.length} files, ${total} rules`,
      message: `promtool accepts ${ruleFiles.length} rule files (${total} rules)`,
      evidence,
    });
  }
  const text = output(run);
  const failing = [...text.matchAll(/Checking (\S+)\n\s*FAILED:/g)].map((m) => m[1] ?? '');
  return result(b, 'fail', {
    expected,
    observed: excerpt(text, 400),
    message: `promtool check rules rejects ${failing.length ? failing.join(', ') : 'the rule files'}: ${excerpt(run.stderr.trim() || text, 600)}`,
    evidence: { ...evidence, output: excerpt(text) },
  });
}

// ---------------------------------------------------------------------------------------------
// promtool test rules
// ---------------------------------------------------------------------------------------------

export interface UnitTestFailure {
  file: string;
  /** The alert the failure is about; undefined for a PromQL expression test or a load error. */
  alert?: string;
  time?: string;
  /** What was expected and what came: `firing` / `not firing`, or `differs` (labels/annotations). */
  kind?: 'never-fired' | 'fired-too-early' | 'differs';
  text: string;
}

/** Splits promtool's FAILED output into one entry per failed expectation. */
export function parseTestFailures(file: string, text: string): UnitTestFailure[] {
  const failures: UnitTestFailure[] = [];
  const general: string[] = [];
  let current: UnitTestFailure | undefined;
  let inFailed = false;
  const close = () => {
    if (current?.alert) current.kind = failureKind(current.text);
    if (current) failures.push(current);
    current = undefined;
  };
  for (const line of text.split('\n')) {
    if (/^\s*FAILED:\s*$/.test(line) || /^Unit Testing:/.test(line) || /^\s*SUCCESS\s*$/.test(line)) {
      close();
      inFailed = /FAILED/.test(line);
      continue;
    }
    if (!inFailed) continue;
    const alert = /^\s*alertname: ([^,]+), time: ([^,]+),/.exec(line);
    if (alert || /^\s*expr: /.test(line)) {
      close();
      current = { file, text: line.trim(), ...(alert ? { alert: alert[1], time: alert[2] } : {}) };
    } else if (current) current.text += `\n${line}`;
    else if (line.trim()) general.push(line.trim());
  }
  close();
  if (general.length) failures.push({ file, text: general.join('\n') });
  return failures;
}

/** From promtool's `exp:[…] got:[…]`: expected firing but none came, the reverse, or a difference. */
function failureKind(text: string): NonNullable<UnitTestFailure['kind']> {
  const expNone = /exp:\s*\[\s*\]/.test(text);
  const gotNone = /got:\s*\[\s*\]/.test(text);
  if (!expNone && gotNone) return 'never-fired';
  if (expNone && !gotNone) return 'fired-too-early';
  return 'differs';
}

interface TestFileRun {
  file: string;
  /** Alerts the file expects to fire at some point (a steady-state file expects none). */
  fires: string[];
  /** Alerts the file mentions at all. */
  mentions: string[];
  run: ToolRun;
  failures: UnitTestFailure[];
}

interface RuleTestDoc {
  rule_files?: string[];
  tests?: { alert_rule_test?: { alertname?: string; exp_alerts?: unknown[] }[] }[];
}

/**
 * Runs each test file with its `rule_files` pointed at the rule files under validation (so the
 * tests exercise exactly those rules, wherever the files live).
 */
async function runRuleTests(
  promtool: string,
  testFiles: string[],
  ruleFiles: string[],
): Promise<TestFileRun[]> {
  const tmp = await mkdtemp(join(tmpdir(), 'phx-rule-tests-'));
  try {
    const runs: TestFileRun[] = [];
    await forEachConcurrent(testFiles.entries(), TOOL_CONCURRENCY, async ([i, file]) => {
      const name = basename(file);
      let doc: RuleTestDoc;
      try {
        doc = (parse(await readFile(file, 'utf8')) ?? {}) as RuleTestDoc;
      } catch (error) {
        const text = `cannot read ${file}: ${errorMessage(error)}`;
        runs.push({
          file: name,
          fires: [],
          mentions: [],
          run: { stdout: '', stderr: text, code: 1 },
          failures: [{ file: name, text }],
        });
        return;
      }
      const alertTests = (doc.tests ?? []).flatMap((t) => t.alert_rule_test ?? []);
      const fires = [
        ...new Set(
          alertTests.filter((t) => (t.exp_alerts ?? []).length > 0).flatMap((t) => t.alertname ?? []),
        ),
      ];
      const mentions = [...new Set(alertTests.flatMap((t) => t.alertname ?? []))];
      // Same base name in a per-file directory: promtool's messages name the file as people know it.
      const dir = join(tmp, String(i));
      await mkdir(dir, { recursive: true });
      const copy = join(dir, name);
      await writeFile(copy, stringify({ ...doc, rule_files: ruleFiles }, { lineWidth: 0 }));
      const run = await runTool(promtool, ['test', 'rules', name], dir);
      const failures = run.code === 0 || run.error ? [] : parseTestFailures(name, output(run));
      if (run.code !== 0 && !run.error && failures.length === 0)
        failures.push({ file: name, text: excerpt(output(run), 600) });
      runs.push({ file: name, fires, mentions, run, failures });
    });
    return runs.sort((a, b) => a.file.localeCompare(b.file));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const KIND_TEXT: Record<NonNullable<UnitTestFailure['kind']>, string> = {
  'never-fired': 'expected it firing, it did not fire',
  'fired-too-early': 'expected it not firing (yet), it fired',
  differs: 'it fired with other labels or annotations than expected',
};

/** The rule unit tests: one result per alert the phase requires, one for everything else. */
export async function ruleUnitTests(
  ctx: ValidationContext,
  ruleFiles: string[],
  testFiles: string[],
): Promise<CheckResult[]> {
  const alerts = requiredAlerts(ctx);
  const fileBase = base('rule-tests', 'The rule unit test files load and their expression tests pass', 1);
  const alertBase = (a: AlertRuleDef) =>
    base(
      `unit.${a.alert}`,
      `${a.alert} fires after exactly ${a.for} in its promtool unit test, and not before`,
      a.phase,
    );
  const promtool = ctx.tools?.promtool;
  const skipAll = (why: string) => [skipped(fileBase, why), ...alerts.map((a) => skipped(alertBase(a), why))];
  if (!promtool) return skipAll('needs promtool (ctx.tools.promtool; the CLI passes the provisioned one)');
  if (testFiles.length === 0) {
    return [
      result(fileBase, 'fail', {
        expected: 'promtool unit tests beside the rule files (tests/*.yml)',
        observed: 'no test files',
        message: `no rule unit tests found (looked for tests/*.yml beside ${ruleFiles.join(', ')})`,
      }),
      ...alerts.map((a) => skipped(alertBase(a), 'no rule unit test files')),
    ];
  }
  const runs = await runRuleTests(promtool, testFiles, ruleFiles);
  const started = runs.find((r) => r.run.error);
  if (started?.run.error) return skipAll(started.run.error).map((r) => ({ ...r, status: 'error' as const }));
  const evidence = { ruleFiles, testFiles };

  const general = runs.flatMap((r) => r.failures.filter((f) => !f.alert));
  const fileResult =
    general.length === 0
      ? result(fileBase, 'pass', {
          expected: 'every test file loads; expression tests pass',
          observed: `${runs.length} files`,
          message: `${runs.length} rule unit test files ran`,
          evidence,
        })
      : result(fileBase, 'fail', {
          expected: 'every test file loads; expression tests pass',
          observed: general.map((f) => `${f.file}: ${f.text.split('\n')[0] ?? ''}`).join('; '),
          message: `promtool test rules failed outside alert tests: ${general.map((f) => `${f.file}: ${excerpt(f.text, 400)}`).join('; ')}`,
          evidence: { ...evidence, output: general.map((f) => f.text) },
        });

  const alertResults = alerts.map((a) => {
    const b = alertBase(a);
    const files = runs.filter((r) => r.fires.includes(a.alert)).map((r) => r.file);
    const failures = runs.flatMap((r) => r.failures.filter((f) => f.alert === a.alert));
    const expected = `firing from ${a.for} after its condition holds, not before; silent at steady state`;
    if (files.length === 0) {
      return result(b, 'fail', {
        expected,
        observed: 'no unit test makes it fire',
        message: `alert ${a.alert} has no promtool unit test that makes it fire: add a scenario to catalog/rule-tests.ts`,
        evidence,
      });
    }
    if (failures.length === 0) {
      const mentioned = runs.filter((r) => r.mentions.includes(a.alert)).map((r) => r.file);
      return result(b, 'pass', {
        expected,
        observed: `passes in ${mentioned.join(', ')}`,
        message: `${a.alert} fires as specified in its unit tests`,
        evidence,
      });
    }
    const first = failures[0] as UnitTestFailure;
    const what = failures
      .map((f) => `${f.file} at ${f.time ?? '?'}: ${KIND_TEXT[f.kind ?? 'differs']}`)
      .join('; ');
    const never = failures.every((f) => f.kind === 'never-fired');
    return result(b, 'fail', {
      expected,
      observed: what,
      message: `alert ${a.alert} fails its promtool unit test${never ? ' (the alert never fires: a misspelt metric or label in its expression?)' : ''}: ${what}`,
      evidence: { ...evidence, output: failures.map((f) => f.text), firstFailure: first.text },
    });
  });
  return [fileResult, ...alertResults];
}

// ---------------------------------------------------------------------------------------------
// Annotation templates vs the labels the expression keeps
// ---------------------------------------------------------------------------------------------

interface RuleFileDoc {
  groups?: { rules?: { alert?: string; expr?: string; annotations?: Record<string, string> }[] }[];
}

/** Label names an annotation template reads: `$labels.x`, `.Labels.x`, `index $labels "x"`. */
export function templateLabels(template: string): string[] {
  const names = [
    ...[...template.matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((m) => m[1]),
    ...[...template.matchAll(/\.Labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((m) => m[1]),
    ...[...template.matchAll(/index\s+\$labels\s+"([^"]+)"/g)].map((m) => m[1]),
  ];
  return [...new Set(names.filter((n): n is string => n !== undefined))];
}

export async function annotationLabels(ctx: ValidationContext, ruleFiles: string[]): Promise<CheckResult[]> {
  const alerts = requiredAlerts(ctx);
  const defined = new Map<string, { file: string; annotations: Record<string, string> }>();
  const unreadable: string[] = [];
  for (const file of ruleFiles) {
    try {
      const doc = (parse(await readFile(file, 'utf8')) ?? {}) as RuleFileDoc;
      for (const rule of (doc.groups ?? []).flatMap((g) => g.rules ?? [])) {
        if (rule.alert) defined.set(rule.alert, { file, annotations: rule.annotations ?? {} });
      }
    } catch (error) {
      unreadable.push(`${file}: ${errorMessage(error)}`);
    }
  }
  return alerts.map((a) => {
    const b = base(
      `annotations.${a.alert}`,
      `${a.alert}'s annotations use only labels its expression keeps`,
      a.phase,
    );
    const keeps = a.outputLabels ?? [];
    const expected = `annotations reading only ${keeps.map((l) => `$labels.${l}`).join(', ') || 'no labels'} (and $value)`;
    const rule = defined.get(a.alert);
    if (!rule) {
      return result(b, 'fail', {
        expected,
        observed: `not defined in ${ruleFiles.join(', ')}`,
        message: `alert ${a.alert} is not defined in the rule files ${ruleFiles.join(', ')}${unreadable.length ? ` (unreadable: ${unreadable.join('; ')})` : ''}`,
      });
    }
    const problems = Object.entries(rule.annotations).flatMap(([name, template]) =>
      templateLabels(template)
        .filter((l) => !keeps.includes(l))
        .map((l) => ({ annotation: name, label: l })),
    );
    if (problems.length === 0) {
      return result(b, 'pass', {
        expected,
        observed: 'every referenced label is kept',
        message: `${a.alert}'s annotations render with real values`,
        evidence: { file: rule.file },
      });
    }
    const list = problems.map((p) => `${p.annotation} uses $labels.${p.label}`).join(', ');
    return result(b, 'fail', {
      expected,
      observed: list,
      message: `alert ${a.alert}: ${list}, a label its expression does not keep (it keeps ${keeps.join(', ') || 'none'}): the notification would show an empty value`,
      evidence: { file: rule.file, problems },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// amtool
// ---------------------------------------------------------------------------------------------

export async function alertmanagerConfigCheck(
  ctx: ValidationContext,
  configFile: string,
): Promise<CheckResult> {
  const b = base('alertmanager-config', 'The Alertmanager config passes `amtool check-config`', 1);
  const amtool = ctx.tools?.amtool;
  if (!amtool) return skipped(b, 'needs amtool (ctx.tools.amtool; the CLI passes the provisioned one)');
  const run = await runTool(amtool, ['check-config', configFile]);
  const expected = 'amtool check-config: SUCCESS';
  const evidence = { configFile, command: `${amtool} check-config ${configFile}` };
  if (run.error) return result(b, 'error', { expected, observed: run.error, message: run.error, evidence });
  if (run.code === 0) {
    const receivers = /(\d+) receivers/.exec(run.stdout)?.[1] ?? '?';
    return result(b, 'pass', {
      expected,
      observed: `valid, ${receivers} receivers`,
      message: `amtool accepts ${configFile}`,
      evidence,
    });
  }
  const text = output(run);
  return result(b, 'fail', {
    expected,
    observed: excerpt(text, 400),
    message: `amtool check-config rejects ${configFile}: ${excerpt(text, 600)}`,
    evidence: { ...evidence, output: excerpt(text) },
  });
}

/** Receivers amtool resolves for a label set (`amtool config routes test`), in route order. */
export async function resolveReceivers(
  amtool: string,
  configFile: string,
  labels: Record<string, string>,
): Promise<{ receivers: string[] } | { error: string }> {
  const args = [
    'config',
    'routes',
    'test',
    `--config.file=${configFile}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ];
  const run = await runTool(amtool, args);
  if (run.error) return { error: run.error };
  if (run.code !== 0)
    return { error: `amtool ${args.join(' ')} exited ${run.code}: ${excerpt(output(run), 400)}` };
  const line = run.stdout.trim().split('\n')[0] ?? '';
  return {
    receivers: line
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  };
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

export async function routeTests(ctx: ValidationContext, configFile: string): Promise<CheckResult[]> {
  const amtool = ctx.tools?.amtool;
  const alerts = requiredAlerts(ctx);
  const cases: {
    b: ResultBase;
    labels: Record<string, string>;
    expected: readonly string[];
    what: string;
  }[] = [
    ...(Object.keys(RECEIVERS_BY_SEVERITY) as Severity[]).map((severity) => ({
      b: base(
        `route.severity-${severity}`,
        `A ${severity} alert is routed to ${RECEIVERS_BY_SEVERITY[severity].join(' and ')}`,
        1,
      ),
      labels: { alertname: ROUTE_PROBE_ALERT, severity },
      expected: RECEIVERS_BY_SEVERITY[severity],
      what: `a ${severity} alert`,
    })),
    ...alerts.map((a) => ({
      b: base(`route.${a.alert}`, `${a.alert} is routed to ${a.receivers.join(' and ')}`, a.phase),
      labels: { alertname: a.alert, severity: a.severity, ...a.labels },
      expected: a.receivers,
      what: `alert ${a.alert}`,
    })),
  ];
  if (!amtool)
    return cases.map((c) =>
      skipped(c.b, 'needs amtool (ctx.tools.amtool; the CLI passes the provisioned one)'),
    );
  const out: CheckResult[] = new Array<CheckResult>(cases.length);
  await forEachConcurrent(cases.keys(), TOOL_CONCURRENCY, async (i) => {
    const c = cases[i];
    if (!c) return;
    const labelText = Object.entries(c.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const expected = c.expected.join(',');
    const evidence = {
      configFile,
      command: `amtool config routes test --config.file=${configFile} ${labelText}`,
    };
    const resolved = await resolveReceivers(amtool, configFile, c.labels);
    if ('error' in resolved) {
      out[i] = result(c.b, 'error', {
        expected,
        observed: resolved.error,
        message: resolved.error,
        evidence,
      });
      return;
    }
    const got = resolved.receivers.join(',') || '(none)';
    out[i] = sameSet(resolved.receivers, c.expected)
      ? result(c.b, 'pass', {
          expected,
          observed: got,
          message: `${c.what} (${labelText}) reaches ${got}`,
          evidence,
        })
      : result(c.b, 'fail', {
          expected,
          observed: got,
          message: `${c.what} (${labelText}) is routed to ${got}, expected ${expected}`,
          evidence,
        });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------

/** Alerts the phase gate requires, in catalog order. */
function requiredAlerts(ctx: ValidationContext): AlertRuleDef[] {
  const names = new Set(requiredFor(ctx.phase).alerts);
  return ALERT_RULES.filter((a) => names.has(a.alert));
}

/** Test files: the given ones, or `tests/*.yml` beside each rule file's directory. */
async function ruleTestFilesFor(ctx: ValidationContext, ruleFiles: string[]): Promise<string[]> {
  if (ctx.ruleTestFiles) return expandGlobs(ctx.ruleTestFiles);
  const dirs = [...new Set(ruleFiles.map((f) => dirname(f)))];
  return expandGlobs(dirs.map((d) => join(d, 'tests', '*.yml')));
}

// ---------------------------------------------------------------------------------------------
// The stack's own rules and Alertmanager config (`--stack external`): what staging really runs
// ---------------------------------------------------------------------------------------------

/** Prometheus' rule groups (`/api/v1/rules`, durations in seconds) as a rule file promtool reads. */
export function ruleFileFromGroups(groups: readonly PromRuleGroup[]): string {
  const seconds = (s: number) => `${Math.round(s * 1000) / 1000}s`;
  return stringify(
    {
      groups: groups.map((g) => ({
        name: g.name,
        ...(g.interval ? { interval: seconds(g.interval) } : {}),
        rules: g.rules.map((r) =>
          r.type === 'alerting'
            ? {
                alert: r.name,
                expr: r.query,
                ...(r.duration ? { for: seconds(r.duration) } : {}),
                ...(r.labels && Object.keys(r.labels).length ? { labels: r.labels } : {}),
                ...(r.annotations && Object.keys(r.annotations).length ? { annotations: r.annotations } : {}),
              }
            : {
                record: r.name,
                expr: r.query,
                ...(r.labels && Object.keys(r.labels).length ? { labels: r.labels } : {}),
              },
        ),
      })),
    },
    { lineWidth: 0 },
  );
}

const STAGING_RULES_FILE = 'staging-rules.yml';
const STAGING_ALERTMANAGER_FILE = 'staging-alertmanager.yml';

/** Each required alert is among the stack's loaded rules, with the catalog's severity and labels. */
export function requiredAlertsPresent(
  ctx: ValidationContext,
  groups: readonly PromRuleGroup[],
  source: string,
): CheckResult[] {
  const loaded = new Map<string, { group: string; labels: Record<string, string> }>();
  for (const g of groups)
    for (const r of g.rules)
      if (r.type === 'alerting') loaded.set(r.name, { group: g.name, labels: r.labels ?? {} });
  return requiredAlerts(ctx).map((a) => {
    const b = base(
      `present.${a.alert}`,
      `${a.alert} is among the rules the stack evaluates, with its labels`,
      a.phase,
    );
    const want: Record<string, string> = { severity: a.severity, ...a.labels };
    const expected = `alert ${a.alert} loaded with ${Object.entries(want)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ')}`;
    const rule = loaded.get(a.alert);
    if (!rule) {
      return result(b, 'fail', {
        expected,
        observed: `not loaded (${loaded.size} alerting rules are)`,
        message: `alert ${a.alert} is not among the rules of ${source} (${loaded.size} alerting rules loaded): the phase requires it`,
        evidence: { source, examined: loaded.size },
      });
    }
    const wrong = Object.entries(want).filter(([k, v]) => rule.labels[k] !== v);
    if (wrong.length > 0) {
      const list = wrong.map(([k, v]) => `${k}="${rule.labels[k] ?? ''}" (expected "${v}")`).join(', ');
      return result(b, 'fail', {
        expected,
        observed: list,
        message: `alert ${a.alert} in ${source} (group ${rule.group}) has ${list}: it would be routed and grouped differently`,
        evidence: { source, group: rule.group, labels: rule.labels },
      });
    }
    return result(b, 'pass', {
      expected,
      observed: `loaded in group ${rule.group}`,
      message: `${a.alert} is loaded in ${source} (group ${rule.group}) with its labels`,
      evidence: { source, group: rule.group },
    });
  });
}

/** A check result naming `label` instead of a temporary file path the stack's config was written to. */
function relabelled(r: CheckResult, file: string, label: string, source: string): CheckResult {
  const swap = (text: string) => text.split(file).join(label);
  return {
    ...r,
    observed: swap(r.observed),
    // Every message says what was checked: the stack's config, not the repo's.
    message:
      r.message.includes(file) || r.message.includes(source)
        ? swap(r.message)
        : `${r.message} (checked: ${source})`,
    evidence: JSON.parse(swap(JSON.stringify({ ...r.evidence, source }))) as CheckResult['evidence'],
  };
}

async function stackRuleResults(ctx: ValidationContext, tmp: string): Promise<CheckResult[]> {
  const check = base('check-rules', 'The rules the stack evaluates pass `promtool check rules`', 1);
  const presence = requiredAlerts(ctx).map((a) =>
    base(`present.${a.alert}`, `${a.alert} is among the rules the stack evaluates, with its labels`, a.phase),
  );
  const prometheus = ctx.clients.prometheus;
  if (!prometheus) {
    const why = "needs the stack's Prometheus (stack.external.prometheus) to read its rules";
    return [skipped(check, why), ...presence.map((b) => skipped(b, why))];
  }
  const url = `${prometheus.baseUrl}/api/v1/rules`;
  const source = `staging /api/v1/rules (${url})`;
  let groups: PromRuleGroup[];
  try {
    groups = await prometheus.rules();
  } catch (error) {
    const message = `could not read the stack's rules from ${url}: ${errorMessage(error)}`;
    const fields = {
      expected: 'the loaded rule groups',
      observed: 'no answer',
      message,
      evidence: { source },
    };
    return [check, ...presence].map((b) => result(b, 'error', fields));
  }
  const ruleCount = groups.reduce((n, g) => n + g.rules.length, 0);
  if (ruleCount === 0) {
    return [
      result(check, 'fail', {
        expected: 'at least one loaded rule',
        observed: `${groups.length} groups, no rules`,
        message: `the stack's Prometheus has no rules loaded (${url} lists ${groups.length} groups and no rule): is rule_files set?`,
        evidence: { source, examined: 0 },
      }),
      ...requiredAlertsPresent(ctx, groups, source),
    ];
  }
  const file = join(tmp, STAGING_RULES_FILE);
  await writeFile(file, ruleFileFromGroups(groups));
  const label = `${STAGING_RULES_FILE} (the ${groups.length} groups ${url} lists)`;
  const [checked, annotations] = await Promise.all([checkRules(ctx, [file]), annotationLabels(ctx, [file])]);
  return [checked, ...requiredAlertsPresent(ctx, groups, source), ...annotations].map((r) =>
    relabelled(r, file, label, source),
  );
}

async function stackAlertmanagerResults(ctx: ValidationContext, tmp: string): Promise<CheckResult[]> {
  const alertmanager = ctx.clients.alertmanager;
  if (!alertmanager) {
    const b = base('alertmanager-config', 'The Alertmanager config passes `amtool check-config`', 1);
    return [skipped(b, "needs the stack's Alertmanager (stack.external.alertmanager) to read its config")];
  }
  const url = `${alertmanager.baseUrl}/api/v2/status`;
  const source = `staging /api/v2/status (${url})`;
  let original: string;
  try {
    original = (await alertmanager.status()).config.original;
  } catch (error) {
    const b = base('alertmanager-config', 'The Alertmanager config passes `amtool check-config`', 1);
    const message = `could not read the stack's Alertmanager config from ${url}: ${errorMessage(error)}`;
    return [
      result(b, 'error', {
        expected: 'config.original',
        observed: 'no answer',
        message,
        evidence: { source },
      }),
    ];
  }
  const file = join(tmp, STAGING_ALERTMANAGER_FILE);
  await writeFile(file, original);
  const label = `${STAGING_ALERTMANAGER_FILE} (config.original of ${url})`;
  const [check, routes] = await Promise.all([alertmanagerConfigCheck(ctx, file), routeTests(ctx, file)]);
  return [check, ...routes].map((r) => relabelled(r, file, label, source));
}

export async function alertRulesOffline(ctx: ValidationContext): Promise<CheckResult[]> {
  const sources = ctx.alertSources ?? { rules: 'files', alertmanager: 'files' };
  const tmp = await mkdtemp(join(tmpdir(), 'phx-stack-alerting-'));
  try {
    const [rules, am] = await Promise.all([
      sources.rules === 'stack' ? stackRuleResults(ctx, tmp) : fileRuleResults(ctx),
      sources.alertmanager === 'stack' ? stackAlertmanagerResults(ctx, tmp) : fileAlertmanagerResults(ctx),
    ]);
    return [...rules, ...am];
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The report says which rules were checked: `repo <files>`. */
const fromFiles = (results: CheckResult[], what: string): CheckResult[] =>
  results.map((r) => ({ ...r, evidence: { ...r.evidence, source: `repo ${what}` } }));

async function fileRuleResults(ctx: ValidationContext): Promise<CheckResult[]> {
  const noRules = base('check-rules', 'The rule files pass `promtool check rules`', 1);
  if (!ctx.ruleFiles?.length) return [skipped(noRules, 'needs the rule files (ctx.ruleFiles)')];
  const ruleFiles = await expandGlobs(ctx.ruleFiles);
  if (ruleFiles.length === 0) {
    return [
      result(noRules, 'fail', {
        expected: 'at least one rule file',
        observed: 'none',
        message: `no rule file matches ${ctx.ruleFiles.join(', ')}`,
        evidence: { source: `repo ${ctx.ruleFiles.join(', ')}`, examined: 0 },
      }),
    ];
  }
  const testFiles = await ruleTestFilesFor(ctx, ruleFiles);
  const [check, unit, annotations] = await Promise.all([
    checkRules(ctx, ruleFiles),
    ruleUnitTests(ctx, ruleFiles, testFiles),
    annotationLabels(ctx, ruleFiles),
  ]);
  return fromFiles([check, ...unit, ...annotations], ctx.ruleFiles.join(', '));
}

async function fileAlertmanagerResults(ctx: ValidationContext): Promise<CheckResult[]> {
  const config = ctx.alertmanagerConfigFile;
  if (!config)
    return [
      skipped(
        base('alertmanager-config', 'The Alertmanager config passes `amtool check-config`', 1),
        'needs the rendered Alertmanager config (ctx.alertmanagerConfigFile)',
      ),
    ];
  const [check, routes] = await Promise.all([alertmanagerConfigCheck(ctx, config), routeTests(ctx, config)]);
  return fromFiles([check, ...routes], config);
}
