import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_RULES, RULE_FILES, type Phase } from '../../catalog/index.ts';
import { parseDurationMs, type CheckResult } from '../../core/index.ts';
import { alertmanagerConfig, binaryPath, HARNESS_TIMING, STACK_VERSIONS } from '../../stack/index.ts';
import type { PromRuleGroup } from '../clients/index.ts';
import type { ValidationContext } from '../context.ts';
import { fakeAlertmanagerStatus } from '../testing/fake-alerting.ts';
import { FakePrometheus } from '../testing/fake-prometheus.ts';
import { alertmanagerConfigCheck, routeTests } from './amtool.ts';
import { annotationLabels } from './annotation-labels.ts';
import { checkRules } from './check-rules.ts';
import { alertRulesOffline } from './index.ts';
import { expandGlobs } from './rule-files.ts';
import { ruleUnitTests } from './rule-unit-tests.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
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

/** A rule file as Prometheus' /api/v1/rules lists it once loaded (durations in seconds). */
function loadedGroups(yamlText: string, file: string): PromRuleGroup[] {
  type RuleDoc = {
    alert?: string;
    record?: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  const doc = parse(yamlText) as { groups: { name: string; interval?: string; rules: RuleDoc[] }[] };
  return doc.groups.map((g) => ({
    name: g.name,
    file,
    ...(g.interval ? { interval: (parseDurationMs(g.interval) ?? 0) / 1000 } : {}),
    rules: g.rules.map((r) =>
      r.alert
        ? {
            type: 'alerting' as const,
            name: r.alert,
            query: r.expr,
            duration: (parseDurationMs(r.for ?? '0s') ?? 0) / 1000,
            labels: r.labels ?? {},
            annotations: r.annotations ?? {},
          }
        : { type: 'recording' as const, name: r.record ?? '', query: r.expr, labels: r.labels ?? {} },
    ),
  }));
}

describe("against the stack's own rules and Alertmanager config (--stack external)", () => {
  const STAGING_GROUPS = [
    ...loadedGroups(COMMITTED_RECORDING, '/etc/prometheus/rules/recording-rules.yml'),
    ...loadedGroups(COMMITTED_ALERTS, '/etc/prometheus/rules/alert-rules.yml'),
  ];
  /** A staging context: rules from its Prometheus, config from its Alertmanager, no repo files. */
  function staging(
    groups: PromRuleGroup[],
    amConfig = stringify(alertmanagerConfig({ peer: () => 'hooks.example:443', timing: HARNESS_TIMING })),
  ): ValidationContext {
    const prometheus = new FakePrometheus();
    prometheus.ruleGroups = groups;
    return {
      ...context(2),
      ruleFiles: undefined,
      alertmanagerConfigFile: undefined,
      clients: { prometheus, alertmanager: fakeAlertmanagerStatus(amConfig) },
      alertSources: { rules: 'stack', alertmanager: 'stack' },
    };
  }
  const withoutAlert = (name: string): PromRuleGroup[] =>
    STAGING_GROUPS.map((g) => ({ ...g, rules: g.rules.filter((r) => r.name !== name) }));

  it("passes on rules and a config equal to the repo's, and says it checked staging's", async () => {
    const results = await alertRulesOffline(staging(STAGING_GROUPS));
    expect(notPassing(results)).toEqual([]);
    expect(results.filter((r) => r.id.startsWith('alerts.offline.unit.'))).toEqual([]);
    for (const r of results)
      expect(String(r.evidence.source)).toMatch(/^staging \/api\/v(1\/rules|2\/status) \(http:\/\/fake-/);
    expect(byId(results, 'alerts.offline.check-rules').message).toMatch(
      /^promtool accepts 1 rule files \(\d+ rules\) \(checked: staging \/api\/v1\/rules \(http:\/\/fake-prometheus\/api\/v1\/rules\)\)$/,
    );
    expect(byId(results, 'alerts.offline.present.ServiceDown').status).toBe('pass');
  }, 60_000);

  it('fails a required alert staging does not load, naming it', async () => {
    const results = await alertRulesOffline(staging(withoutAlert('ServiceDown')));
    const missing = byId(results, 'alerts.offline.present.ServiceDown');
    expect(missing.status).toBe('fail');
    expect(missing.message).toMatch(
      /^alert ServiceDown is not among the rules of staging \/api\/v1\/rules \(http:\/\/fake-prometheus\/api\/v1\/rules\) \(\d+ alerting rules loaded\): the phase requires it$/,
    );
    expect(byId(results, 'alerts.offline.check-rules').status).toBe('pass');
  }, 60_000);

  it('fails a required alert staging loads with another severity, naming the label', async () => {
    const groups = STAGING_GROUPS.map((g) => ({
      ...g,
      rules: g.rules.map((r) =>
        r.name === 'ServiceDown' ? { ...r, labels: { ...r.labels, severity: 'info' } } : r,
      ),
    }));
    const r = byId(await alertRulesOffline(staging(groups)), 'alerts.offline.present.ServiceDown');
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/has severity="info" \(expected "critical"\)/);
  }, 60_000);

  it("fails staging's rules that promtool rejects, naming the fetched groups", async () => {
    const groups = STAGING_GROUPS.map((g) => ({
      ...g,
      rules: g.rules.map((r) => (r.name === 'ServiceDown' ? { ...r, query: 'up{ == 0' } : r)),
    }));
    const r = byId(await alertRulesOffline(staging(groups)), 'alerts.offline.check-rules');
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(
      /^promtool check rules rejects staging-rules\.yml \(the \d+ groups http:\/\/fake-prometheus\/api\/v1\/rules lists\)/,
    );
    expect(r.evidence.source).toBe('staging /api/v1/rules (http://fake-prometheus/api/v1/rules)');
  }, 60_000);

  it('fails when staging has no rules loaded at all', async () => {
    const r = byId(await alertRulesOffline(staging([])), 'alerts.offline.check-rules');
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(
      /has no rules loaded \(http:\/\/fake-prometheus\/api\/v1\/rules lists 0 groups and no rule\)/,
    );
  });

  it("routes by staging's Alertmanager config: a critical alert sent only to slack fails", async () => {
    const am = amConfig() as { route: { routes: { receiver: string }[] } };
    (am.route.routes[0] as { receiver: string }).receiver = 'slack';
    const results = await alertRulesOffline(staging(STAGING_GROUPS, stringify(am)));
    const r = byId(results, 'alerts.offline.route.severity-critical');
    expect(r.status).toBe('fail');
    expect(r.evidence.source).toBe('staging /api/v2/status (http://fake-alertmanager/api/v2/status)');
  }, 60_000);

  it('is an error naming the endpoint when staging does not answer', async () => {
    const ctx = staging(STAGING_GROUPS);
    (ctx.clients.prometheus as FakePrometheus).rules = async () => {
      throw new Error('Prometheus answered 403 at http://fake-prometheus/api/v1/rules');
    };
    const r = byId(await alertRulesOffline(ctx), 'alerts.offline.check-rules');
    expect(r.status).toBe('error');
    expect(r.message).toBe(
      "could not read the stack's rules from http://fake-prometheus/api/v1/rules: Prometheus answered 403 at http://fake-prometheus/api/v1/rules",
    );
  });

  it('checks the repo files instead when asked (--rules), and says so', async () => {
    const results = await alertRulesOffline({
      ...staging(withoutAlert('ServiceDown')),
      ruleFiles,
      alertSources: { rules: 'files', alertmanager: 'stack' },
    });
    const check = byId(results, 'alerts.offline.check-rules');
    expect(check.status).toBe('pass');
    expect(check.evidence.source).toBe(`repo ${ruleFiles.join(', ')}`);
    // Staging's rules were not read: its missing alert is not reported.
    expect(results.some((r) => r.id.startsWith('alerts.offline.present.'))).toBe(false);
  }, 120_000);
});
