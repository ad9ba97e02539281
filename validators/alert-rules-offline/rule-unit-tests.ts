import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { AlertRuleDef } from '../../catalog/index.ts';
import { forEachConcurrent, type CheckResult } from '../../core/index.ts';
import type { ValidationContext } from '../context.ts';
import { errorMessage, result, skipped } from '../result.ts';
import { base, requiredAlerts } from './results.ts';
import { parseTestFailures, type UnitTestFailure } from './test-failures.ts';
import { excerpt, output, runTool, TOOL_CONCURRENCY, type ToolRun } from './tools.ts';

/**
 * `promtool test rules`: the unit tests beside the rules, at production time scales, against the
 * rule files under validation; one result per alert the phase requires, one for everything else.
 */

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
