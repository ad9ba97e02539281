import { describe, expect, it } from 'vitest';
import { runDrillSuite, type DrillSuiteRun } from '../../bench/drills-bench.ts';
import type { CheckResult } from '../../core/index.ts';
import type { RenderedAlertRule } from '../../stack/rules-profile.ts';

/**
 * The live alert drills against real Prometheus 2.42 + Alertmanager 0.25 processes and the mock
 * fleet, on the time-compressed rules profile (x1/30). Mutation cases: each defect is put into the
 * rendered config, and the drill of the alert it breaks must fail naming it; the clean run shows the
 * same drills pass once the defects are gone.
 */

const SUITE_TIMEOUT_MS = 300_000;

const byId = (run: DrillSuiteRun): Record<string, CheckResult> =>
  Object.fromEntries(run.results.map((r) => [r.id, r]));

const report = (run: DrillSuiteRun) =>
  run.results
    .map((r) => `${r.status} ${r.id} (${((r.durationMs ?? 0) / 1000).toFixed(1)}s): ${r.message}`)
    .join('\n');

/** (b) a misspelt metric name, (d) an annotation template naming a label the alert does not have. */
function brokenRules(rule: RenderedAlertRule): RenderedAlertRule {
  if (rule.alert === 'CircuitBreakerOpen')
    return {
      ...rule,
      expr: rule.expr.replace('phoenix_circuit_breaker_state', 'phoenix_circuit_breakr_state'),
    };
  if (rule.alert === 'HighErrorRate')
    return { ...rule, annotations: { ...rule.annotations, summary: 'High error rate on {{ $labels.svc }}' } };
  return rule;
}

/** (c) the critical route delivers to slack instead of pagerduty. */
function wrongCriticalReceiver(config: Record<string, unknown>): Record<string, unknown> {
  const route = config['route'] as { routes: { matchers?: string[]; receiver: string }[] };
  route.routes = route.routes.map((r) =>
    r.matchers?.includes('severity="critical"') ? { ...r, receiver: 'slack' } : r,
  );
  return config;
}

describe('live alert drills (local Prometheus + Alertmanager, mock fleet, rules x1/30)', () => {
  it(
    'fails the drills of a misspelt metric, a wrong critical route and an annotation naming a missing label',
    async () => {
      const run = await runDrillSuite({
        phase: 2,
        editAlertRule: brokenRules,
        editAlertmanagerConfig: wrongCriticalReceiver,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      const r = byId(run);
      const context = report(run);
      // (b) the misspelt metric: the rule never evaluates to anything.
      expect(r['alerts.drill.CircuitBreakerOpen']?.status, context).toBe('fail');
      expect(r['alerts.drill.CircuitBreakerOpen']?.message).toMatch(
        /^CircuitBreakerOpen never went pending within \d+\.\ds of circuit-breaker-open on orchestrator-service \(last: no CircuitBreakerOpen alert in Prometheus\)/,
      );
      // (c) the critical route sends to slack only.
      expect(r['alerts.drill.ServiceDown']?.status, context).toBe('fail');
      expect(r['alerts.drill.ServiceDown']?.message).toMatch(
        /^ServiceDown fired but within \d+\.\ds Alertmanager delivered it to slack; expected pagerduty, slack \(missing pagerduty\)$/,
      );
      // (d) the summary names a label the alert does not carry: it renders empty there.
      expect(r['alerts.drill.HighErrorRate']?.status, context).toBe('fail');
      expect(r['alerts.drill.HighErrorRate']?.message).toBe(
        'HighErrorRate was delivered with annotation summary is "High error rate on ": empty where the template has {{ $labels.service }} (at slack)',
      );
      // Untouched: still passes in the same run.
      expect(r['alerts.drill.SlowResponseTime']?.status, context).toBe('pass');
      expect(r['alerts.drill.steady-state']?.status, context).toBe('pass');
    },
    SUITE_TIMEOUT_MS,
  );

  it(
    'passes every phase-2 drill and the steady state with the catalog rules and route tree',
    async () => {
      const run = await runDrillSuite({ phase: 2, log: (line) => process.stderr.write(`${line}\n`) });
      const context = report(run);
      expect(run.results.map((r) => r.id)).toEqual([
        'alerts.drill.steady-state',
        'alerts.drill.HighErrorRate',
        'alerts.drill.CircuitBreakerOpen',
        'alerts.drill.SlowResponseTime',
        'alerts.drill.ServiceDown',
      ]);
      for (const r of run.results) expect(r.status, context).toBe('pass');
      for (const r of run.results.slice(1))
        for (const key of ['msToPending', 'msToFiring', 'msToDelivered', 'msToResolved'])
          expect(r.evidence[key], `${r.id} ${key}`).toEqual(expect.any(Number));
      process.stderr.write(`phase-2 drill suite: ${(run.wallMs / 1000).toFixed(1)}s\n`);
    },
    SUITE_TIMEOUT_MS,
  );
});
