import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../core/index.ts';
import type { DrillProfile, ValidationContext } from '../context.ts';
import { catalogAlert } from '../testing/catalog-alert.ts';
import { FakeAlerting, type FakeAlertScript } from '../testing/fake-alerting.ts';
import { alertDrills } from './index.ts';

/** 5m → 150 ms, 10m → 300 ms; 10 ms intervals: a whole drill suite in well under a second. */
const FAST: DrillProfile = {
  timeScale: 0.0005,
  timing: { scrapeIntervalS: 0.01, evaluationIntervalS: 0.01, groupWaitS: 0.01, groupIntervalS: 0.01 },
};

const INSTANCES = {
  'orchestrator-service': '127.0.0.1:9001',
  'data-router': '127.0.0.1:9002',
  reflection: '127.0.0.1:9014',
} as const;

/** Renders a catalog template the way Prometheus would for these labels. */
function render(template: string, labels: Record<string, string>): string {
  return template
    .replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_m, l: string) => labels[l] ?? '')
    .replace(/\{\{\s*\$value \| humanizePercentage\s*\}\}/g, '20%')
    .replace(/\{\{\s*\$value \| humanize\s*\}\}/g, '123.4');
}

function script(
  name: string,
  timeline: Partial<FakeAlertScript>,
  labels: Record<string, string>,
): FakeAlertScript {
  const a = catalogAlert(name);
  const all = { severity: a.severity, ...labels };
  return {
    alert: name,
    labels: all,
    annotations: {
      summary: render(a.annotations.summary, all),
      description: render(a.annotations.description, all),
      runbook: a.runbook,
    },
    receivers: [...a.receivers],
    ...timeline,
  };
}

/** The four phase-2 alerts behaving as the catalog says (ms after fault on / off). */
function phase2World(
  edit: (scripts: Record<string, FakeAlertScript>) => void = () => undefined,
): FakeAlerting {
  const scripts: Record<string, FakeAlertScript> = {
    HighErrorRate: script(
      'HighErrorRate',
      { pendingAfterMs: 20, firingAfterMs: 170, deliverAfterMs: 180, resolveAfterMs: 60 },
      { service: 'data-router' },
    ),
    CircuitBreakerOpen: script(
      'CircuitBreakerOpen',
      { pendingAfterMs: 10, firingAfterMs: 160, deliverAfterMs: 170, resolveAfterMs: 20 },
      { service: 'reflection', instance: INSTANCES['orchestrator-service'], job: 'phoenix-services' },
    ),
    SlowResponseTime: script(
      'SlowResponseTime',
      { pendingAfterMs: 20, firingAfterMs: 320, deliverAfterMs: 330, resolveAfterMs: 60 },
      { service: 'llm-service' },
    ),
    ServiceDown: script(
      'ServiceDown',
      { pendingAfterMs: 10, firingAfterMs: 40, deliverAfterMs: 50, resolveAfterMs: 20 },
      { instance: INSTANCES.reflection, job: 'phoenix-services' },
    ),
  };
  edit(scripts);
  const world = new FakeAlerting();
  Object.assign(world.instances, INSTANCES);
  for (const s of Object.values(scripts)) world.script(s);
  return world;
}

function contextFor(world: FakeAlerting, overrides: Partial<ValidationContext> = {}): ValidationContext {
  return {
    runId: 'unit',
    phase: 2,
    endpoints: {},
    clients: { prometheus: world.prometheus, sink: world.sink },
    ingestTimeoutMs: 1_000,
    fleet: world.fleet,
    drills: { profile: FAST },
    ...overrides,
  };
}

async function run(world: FakeAlerting, overrides: Partial<ValidationContext> = {}) {
  const results = await alertDrills(contextFor(world, overrides));
  return Object.fromEntries(results.map((r) => [r.id, r])) as Record<string, CheckResult>;
}

describe('alertDrills', () => {
  it('passes every phase-2 drill and the steady state, with timings, in catalog order', async () => {
    const world = phase2World();
    const results = await alertDrills(contextFor(world));
    expect(results.map((r) => r.id)).toEqual([
      'alerts.drill.steady-state',
      'alerts.drill.HighErrorRate',
      'alerts.drill.CircuitBreakerOpen',
      'alerts.drill.SlowResponseTime',
      'alerts.drill.ServiceDown',
    ]);
    for (const r of results) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
    const her = results[1];
    for (const key of ['msToPending', 'msToFiring', 'msToDelivered', 'msToResolved'])
      expect(her?.evidence[key], key).toEqual(expect.any(Number));
    expect(her?.evidence['msToFiring'] as number).toBeGreaterThanOrEqual(170);
    expect(her?.message).toMatch(
      /^HighErrorRate went pending [\d.]+s and fired [\d.]+s after error-rate on data-router, reached slack/,
    );
    expect(her?.evidence['drill']).toMatchObject({
      alert: 'HighErrorRate',
      receiver: 'slack',
      status: 'pass',
    });
  });

  it('runs drills whose faults change no signal another drill reads at once, each clearing only its own fault', async () => {
    const world = phase2World();
    await alertDrills(contextFor(world));
    const ons = world.log.filter((l) => l.what.startsWith('on '));
    const offs = world.log.filter((l) => l.what.startsWith('off ') && l.what !== 'off all');
    expect(ons.map((l) => l.what).sort()).toEqual([
      'on data-router error-rate',
      'on llm-service latency',
      'on orchestrator-service circuit-breaker-open',
      'on reflection down',
    ]);
    // Every fault is on before the first one goes off: no drill waits for another.
    expect(Math.max(...ons.map((l) => l.at))).toBeLessThanOrEqual(Math.min(...offs.map((l) => l.at)));
    expect(offs.map((l) => l.what).sort()).toEqual([
      'off data-router error-rate',
      'off llm-service latency',
      'off orchestrator-service circuit-breaker-open',
      'off reflection down',
    ]);
  });

  it('fails a rule that never fires, naming the alert and the last state seen, and clears the fault', async () => {
    const world = phase2World((s) => {
      if (s.CircuitBreakerOpen) delete s.CircuitBreakerOpen.pendingAfterMs;
    });
    const r = (await run(world))['alerts.drill.CircuitBreakerOpen'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(
      /^CircuitBreakerOpen never went pending within [\d.]+s of circuit-breaker-open on orchestrator-service \(last: no CircuitBreakerOpen alert in Prometheus\)$/,
    );
    expect(world.log.at(-1)?.what).not.toMatch(/^on /);
    expect(world.log.filter((l) => l.what === 'off orchestrator-service circuit-breaker-open')).toHaveLength(
      1,
    );
  });

  it('names the alert when only another instance of it fires', async () => {
    const world = phase2World((s) => {
      if (s.HighErrorRate)
        s.HighErrorRate.labels = { ...s.HighErrorRate.labels, service: 'orchestrator-service' };
    });
    const r = (await run(world))['alerts.drill.HighErrorRate'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(
      /never went pending .*last: HighErrorRate (pending|firing) \{severity="warning", service="orchestrator-service"\}\); no drill traffic was provided/,
    );
  });

  it('fails a critical alert that reaches the wrong receiver, naming expected and actual', async () => {
    const world = phase2World((s) => {
      if (s.ServiceDown) s.ServiceDown.receivers = ['slack'];
    });
    const r = (await run(world))['alerts.drill.ServiceDown'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(
      /^ServiceDown fired but within [\d.]+s Alertmanager delivered it to slack; expected pagerduty, slack \(missing pagerduty\)$/,
    );
    expect(r?.evidence['deliveredTo']).toEqual(['slack']);
  });

  it('fails a warning that also pages', async () => {
    const world = phase2World((s) => {
      if (s.HighErrorRate) s.HighErrorRate.receivers = ['pagerduty', 'slack'];
    });
    const r = (await run(world))['alerts.drill.HighErrorRate'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toContain('expected slack only (pagerduty must not receive it)');
  });

  it('fails an annotation whose label placeholder rendered empty, naming it', async () => {
    const world = phase2World((s) => {
      if (s.HighErrorRate) s.HighErrorRate.annotations.summary = 'High error rate on ';
    });
    const r = (await run(world))['alerts.drill.HighErrorRate'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toBe(
      'HighErrorRate was delivered with annotation summary is "High error rate on ": empty where the template has {{ $labels.service }} (at slack)',
    );
  });

  it('fails an alert that never resolves after the fault is cleared', async () => {
    const world = phase2World((s) => {
      if (s.ServiceDown) delete s.ServiceDown.resolveAfterMs;
    });
    const r = (await run(world))['alerts.drill.ServiceDown'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(
      /^ServiceDown did not resolve at pagerduty, slack within [\d.]+s of clearing down on reflection \(last: resolved notification at no receiver; Prometheus: ServiceDown firing/,
    );
  });

  it('fails the steady state when an alert is active with no fault, naming it', async () => {
    const world = phase2World();
    world.alwaysActive.push({
      alertname: 'SlowResponseTime',
      alertstate: 'pending',
      labels: { service: 'executor', severity: 'warning' },
    });
    const r = (await run(world))['alerts.drill.steady-state'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(
      /^1 alert\(s\) went active under normal load with no fault \(alert fatigue\): SlowResponseTime\{service="executor", severity="warning"\} \(pending, from \+0\.0s\)/,
    );
  });

  it('does not fail the steady state of phase 2 for a phase-3 alert, but mentions it', async () => {
    const world = phase2World();
    world.alwaysActive.push({
      alertname: 'LLMCostRate',
      alertstate: 'firing',
      labels: { model: 'phoenix-large' },
    });
    const r = (await run(world, { drills: { profile: FAST, alerts: ['ServiceDown'] } }))[
      'alerts.drill.steady-state'
    ];
    expect(r?.status).toBe('pass');
    expect(r?.message).toContain('also active, not required at phase 2: LLMCostRate{model="phoenix-large"}');
  });

  it('skips with the reason when the fleet cannot produce a trigger', async () => {
    const world = phase2World();
    world.refuse.set('reflection down', 'unknown fault "down"');
    const r = (await run(world, { drills: { profile: FAST, alerts: ['ServiceDown'] } }))[
      'alerts.drill.ServiceDown'
    ];
    expect(r?.status).toBe('skip');
    expect(r?.message).toBe(
      `the fleet cannot produce ServiceDown's trigger (down on reflection): unknown fault "down"`,
    );
  });

  it('skips everything without drill options, and the drills without fleet control', async () => {
    const world = phase2World();
    const none = await alertDrills(contextFor(world, { drills: undefined }));
    expect(none.every((r) => r.status === 'skip')).toBe(true);
    expect(none).toHaveLength(5);
    const noFleet = await alertDrills(contextFor(world, { fleet: undefined }));
    expect(noFleet[0]?.status).toBe('pass');
    expect(noFleet.slice(1).every((r) => r.status === 'skip' && r.message.includes('ctx.fleet'))).toBe(true);
  });

  it('drills nothing at phase 1 (no alert required)', async () => {
    expect(await alertDrills(contextFor(phase2World(), { phase: 1 }))).toEqual([]);
  });

  it("judges the steady state over the run's load when it was fault-free, else watches live", async () => {
    const world = phase2World();
    const end = new Date(Date.now() - 10);
    const window = { start: new Date(end.getTime() - 1_000), end };
    const withFaults = (faults: { service: 'data-router'; name: string }[]) => ({
      window,
      fleet: { ...world.fleet, listFaults: async () => faults },
      drills: { profile: FAST, alerts: ['ServiceDown'] },
    });
    const quiet = (await run(world, withFaults([])))['alerts.drill.steady-state'];
    expect(quiet?.message).toBe("no required alert went pending or firing during 0.1s of the run's load");
    const injected = (await run(world, withFaults([{ service: 'data-router', name: 'error-rate' }])))[
      'alerts.drill.steady-state'
    ];
    expect(injected?.message).toBe('no required alert went pending or firing during 0.1s of steady load');
  });

  it('starts and stops the traffic around the drills', async () => {
    const calls: string[] = [];
    const world = phase2World();
    await alertDrills(
      contextFor(world, {
        drills: {
          profile: FAST,
          alerts: ['ServiceDown'],
          traffic: { start: () => void calls.push('start'), stop: async () => void calls.push('stop') },
        },
      }),
    );
    expect(calls).toEqual(['start', 'stop']);
  });
});
