import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_RULES, RULE_FILES, type Phase } from '../catalog/index.ts';
import type { CheckResult } from '../core/index.ts';
import { alertmanagerConfig, binaryPath, HARNESS_TIMING, STACK_VERSIONS } from '../stack/index.ts';
import {
  alertmanagerConfigCheck,
  alertRulesOffline,
  annotationLabels,
  checkRules,
  expandGlobs,
  parseTestFailures,
  routeTests,
  ruleUnitTests,
  templateLabels,
} from './alert-rules-offline.ts';
import type { ValidationContext } from './context.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const TOOLS = {
  promtool: binaryPath('prometheus', STACK_VERSIONS.prometheus.version, 'promtool'),
  amtool: binaryPath('alertmanager', STACK_VERSIONS.alertmanager.version, 'amtool'),
};
const COMMITTED_TESTS = join(REPO, 'stack/prometheus/rules/tests/*.yml');
const COMMITTED_ALERTS = readFileSync(join(REPO, RULE_FILES.alerts), 'utf8');
const COMMITTED_RECORDING = readFileSync(join(REPO, RULE_FILES.recording), 'utf8');

let tmp: string;
/** The rule files under test: copies of the committed ones, mutated per test. */
let alertsFile: string;
let ruleFiles: string[];
let amConfigFile: string;

const amConfig = () => alertmanagerConfig({ peer: () => '127.0.0.1:9', timing: HARNESS_TIMING });

beforeAll(() => {
  for (const tool of Object.values(TOOLS))
    if (!existsSync(tool)) throw new Error(`${tool} missing: run \`npm run stack:provision\``);
  tmp = mkdtempSync(join(tmpdir(), 'phx-alerts-offline-'));
  alertsFile = join(tmp, 'alert-rules.yml');
  const recording = join(tmp, 'recording-rules.yml');
  writeFileSync(recording, COMMITTED_RECORDING);
  writeFileSync(alertsFile, COMMITTED_ALERTS);
  ruleFiles = [recording, alertsFile];
  amConfigFile = join(tmp, 'alertmanager.yml');
  writeFileSync(amConfigFile, stringify(amConfig()));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function context(phase: Phase = 4): ValidationContext {
  return {
    runId: 'test',
    phase,
    endpoints: {},
    clients: {},
    ingestTimeoutMs: 100,
    ruleFiles,
    ruleTestFiles: [COMMITTED_TESTS],
    alertmanagerConfigFile: amConfigFile,
    tools: TOOLS,
  };
}

const byId = (results: CheckResult[], id: string): CheckResult => {
  const r = results.find((x) => x.id === id);
  if (!r) throw new Error(`no ${id} among ${results.map((x) => x.id).join(', ')}`);
  return r;
};
const notPassing = (results: CheckResult[]) => results.filter((r) => r.status !== 'pass').map((r) => r.id);

/** Writes the committed alert rules with one textual edit (asserting the edit applied). */
function mutateAlerts(from: string, to: string): void {
  expect(COMMITTED_ALERTS, `fixture: "${from}" not in the committed rules`).toContain(from);
  writeFileSync(alertsFile, COMMITTED_ALERTS.replace(from, to));
}
const restoreAlerts = () => writeFileSync(alertsFile, COMMITTED_ALERTS);

describe('alert rules offline', () => {
  it('passes on the committed rules, their unit tests and the rendered Alertmanager config', async () => {
    const results = await alertRulesOffline(context());
    expect(notPassing(results)).toEqual([]);
    expect(results.every((r) => r.family === 'alerts')).toBe(true);
    for (const a of ALERT_RULES) {
      expect(byId(results, `alerts.offline.unit.${a.alert}`).phase).toBe(a.phase);
      expect(byId(results, `alerts.offline.route.${a.alert}`).observed).toBe(a.receivers.join(','));
    }
    expect(byId(results, 'alerts.offline.route.severity-critical').observed).toBe('pagerduty,slack');
    expect(byId(results, 'alerts.offline.route.severity-warning').observed).toBe('slack');
  }, 60_000);

  it('checks only the alerts the phase gate requires', async () => {
    const results = await alertRulesOffline(context(1));
    expect(results.filter((r) => r.id.startsWith('alerts.offline.unit.'))).toEqual([]);
    expect(results.map((r) => r.id)).toEqual([
      'alerts.offline.check-rules',
      'alerts.offline.rule-tests',
      'alerts.offline.alertmanager-config',
      'alerts.offline.route.severity-critical',
      'alerts.offline.route.severity-warning',
    ]);
  }, 60_000);

  it('fails the unit test of an alert whose metric is misspelt (check rules still passes), naming it', async () => {
    mutateAlerts('phoenix_circuit_breaker_state{} == 1', 'phoenix_circuit_breaker_sate{} == 1');
    try {
      const ctx = context(2);
      expect((await checkRules(ctx, ruleFiles)).status).toBe('pass');
      const results = await ruleUnitTests(ctx, ruleFiles, await expandGlobs([COMMITTED_TESTS]));
      expect(notPassing(results)).toEqual(['alerts.offline.unit.CircuitBreakerOpen']);
      const r = byId(results, 'alerts.offline.unit.CircuitBreakerOpen');
      expect(r.status).toBe('fail');
      expect(r.message).toBe(
        'alert CircuitBreakerOpen fails its promtool unit test (the alert never fires: a misspelt metric or label in its expression?): circuit-breaker-open.test.yml at 5m: expected it firing, it did not fire; circuit-breaker-open.test.yml at 15m: expected it firing, it did not fire',
      );
    } finally {
      restoreAlerts();
    }
    const again = await ruleUnitTests(context(2), ruleFiles, await expandGlobs([COMMITTED_TESTS]));
    expect(byId(again, 'alerts.offline.unit.CircuitBreakerOpen').status).toBe('pass');
  }, 60_000);

  it('fails an alert that fires before its for: has elapsed', async () => {
    mutateAlerts('for: 5m\n', 'for: 4m\n');
    try {
      const results = await ruleUnitTests(context(2), ruleFiles, await expandGlobs([COMMITTED_TESTS]));
      const r = byId(results, 'alerts.offline.unit.HighErrorRate');
      expect(r.status).toBe('fail');
      expect(r.message).toBe(
        'alert HighErrorRate fails its promtool unit test: high-error-rate.test.yml at 5m: expected it not firing (yet), it fired',
      );
    } finally {
      restoreAlerts();
    }
  }, 60_000);

  it('fails a rule file promtool rejects, naming the file', async () => {
    mutateAlerts(
      'expr: phoenix:error_rate:ratio_rate5m > 0.05',
      'expr: phoenix:error_rate:ratio_rate5m > > 0.05',
    );
    try {
      const r = await checkRules(context(), ruleFiles);
      expect(r.status).toBe('fail');
      expect(r.message).toMatch(
        new RegExp(`^promtool check rules rejects ${alertsFile}: .*parse error`, 's'),
      );
    } finally {
      restoreAlerts();
    }
  });

  it('fails when critical alerts are routed to the wrong receiver, naming expected and actual receivers', async () => {
    const broken = amConfig() as { route: { routes: { receiver: string }[] } };
    const critical = broken.route.routes[0];
    if (!critical) throw new Error('fixture: no critical route');
    critical.receiver = 'slack';
    const file = join(tmp, 'alertmanager-broken.yml');
    writeFileSync(file, stringify(broken));
    const ctx = context(3);
    expect((await alertmanagerConfigCheck(ctx, file)).status).toBe('pass');
    const results = await routeTests(ctx, file);
    expect(notPassing(results)).toEqual([
      'alerts.offline.route.severity-critical',
      'alerts.offline.route.ServiceDown',
      'alerts.offline.route.ErrorBudgetBurn',
    ]);
    expect(byId(results, 'alerts.offline.route.severity-critical').message).toBe(
      'a critical alert (alertname=PhoenixRouteProbe severity=critical) is routed to slack,slack, expected pagerduty,slack',
    );
    expect(byId(results, 'alerts.offline.route.ServiceDown')).toMatchObject({
      expected: 'pagerduty,slack',
      observed: 'slack,slack',
    });
    expect(notPassing(await routeTests(ctx, amConfigFile))).toEqual([]);
  }, 60_000);

  it('fails an Alertmanager config amtool rejects', async () => {
    const file = join(tmp, 'alertmanager-invalid.yml');
    writeFileSync(file, stringify({ ...amConfig(), route: { receiver: 'nobody' } }));
    const r = await alertmanagerConfigCheck(context(), file);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/amtool check-config rejects .*alertmanager-invalid\.yml: .*"nobody"/s);
  });

  it('fails an annotation naming a label the expression does not keep, naming alert and label', async () => {
    mutateAlerts(
      'summary: High error rate on {{ $labels.service }}',
      'summary: High error rate on {{ $labels.instance }}',
    );
    try {
      const ctx = context(2);
      const results = await annotationLabels(ctx, ruleFiles);
      expect(notPassing(results)).toEqual(['alerts.offline.annotations.HighErrorRate']);
      expect(byId(results, 'alerts.offline.annotations.HighErrorRate').message).toBe(
        'alert HighErrorRate: summary uses $labels.instance, a label its expression does not keep (it keeps service): the notification would show an empty value',
      );
      // The unit test sees it too: the rendered summary differs from the catalog's.
      const unit = await ruleUnitTests(ctx, ruleFiles, await expandGlobs([COMMITTED_TESTS]));
      expect(byId(unit, 'alerts.offline.unit.HighErrorRate').observed).toMatch(/other labels or annotations/);
    } finally {
      restoreAlerts();
    }
    expect(notPassing(await annotationLabels(context(2), ruleFiles))).toEqual([]);
  }, 60_000);

  it('fails an alert the rule files do not define', async () => {
    writeFileSync(alertsFile, 'groups: []\n');
    try {
      const results = await annotationLabels(context(2), ruleFiles);
      expect(byId(results, 'alerts.offline.annotations.ServiceDown').message).toMatch(
        /^alert ServiceDown is not defined in the rule files /,
      );
    } finally {
      restoreAlerts();
    }
  });

  it('skips, naming what it needs, without tools, rule files or config', async () => {
    const results = await alertRulesOffline({
      ...context(2),
      tools: {},
      ruleFiles: undefined,
      alertmanagerConfigFile: undefined,
    });
    expect(results.map((r) => [r.status, r.message])).toEqual([
      ['skip', 'needs the rule files (ctx.ruleFiles)'],
      ['skip', 'needs the rendered Alertmanager config (ctx.alertmanagerConfigFile)'],
    ]);
    const noTools = await alertRulesOffline({ ...context(2), tools: {} });
    expect(new Set(noTools.filter((r) => r.status === 'skip').map((r) => r.message.split(' (')[0]))).toEqual(
      new Set(['needs promtool', 'needs amtool']),
    );
  });

  it('reports a tool that cannot be started as an error, not a failure', async () => {
    const r = await checkRules(
      { ...context(), tools: { promtool: join(tmp, 'no-such-promtool') } },
      ruleFiles,
    );
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/could not run .*no-such-promtool: ENOENT/);
  });
});

describe('helpers', () => {
  it('reads the labels an annotation template uses', () => {
    expect(
      templateLabels(
        '{{ $labels.service }} on {{ .Labels.instance }} {{ index $labels "job" }} {{ $value }}',
      ),
    ).toEqual(['service', 'instance', 'job']);
  });

  it("splits promtool's FAILED output per expectation", () => {
    const text = [
      'Unit Testing:  a.yml',
      '  FAILED:',
      '    alertname: A, time: 5m, ',
      '        exp:[',
      '            0:',
      '              Labels:{alertname="A"}',
      '            ], ',
      '        got:[]',
      '    expr: "up", time: 1m,',
      '        exp: nil',
      '        got: {} 1E+00',
    ].join('\n');
    expect(parseTestFailures('a.yml', text).map((f) => [f.alert, f.time, f.kind])).toEqual([
      ['A', '5m', 'never-fired'],
      [undefined, undefined, undefined],
    ]);
  });

  it('expands a rule-file glob in the last segment', async () => {
    const files = await expandGlobs([join(REPO, 'stack/prometheus/rules/*.yml')]);
    expect(files.map((f) => f.slice(REPO.length))).toEqual([RULE_FILES.alerts, RULE_FILES.recording]);
  });
});
