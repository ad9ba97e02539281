import type { CheckResult, LedgerEntry } from '../../core/index.ts';
import {
  RUN_REPORT_SCHEMA_VERSION,
  latencyFromLedger,
  type ReportedCheck,
  type RunReport,
} from '../model.ts';

/**
 * A realistic run report for tests and for looking at the reporters' output: a phase 2 gate that
 * fails (a broken traceparent hop, a double-counting metric, a Loki outage), a 60 s load with a
 * latency spike, three flows, two alert drills and the components of the local stack.
 */

const STARTED_MS = Date.UTC(2026, 10, 23, 12, 32, 50);
const FLOWS = [
  { flow: 'plan_and_execute', medianMs: 240, share: 0.3 },
  { flow: 'kb_query', medianMs: 28, share: 0.45 },
  { flow: 'llm_generate', medianMs: 120, share: 0.25 },
] as const;

/** A small deterministic PRNG (mulberry32), so the fixture is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 60 s at ~20 requests/s, with an injected latency fault on data-router from 34 s to 41 s. */
export function sampleLedger(seconds = 60, ratePerSecond = 20): LedgerEntry[] {
  const next = random(42);
  const entries: LedgerEntry[] = [];
  for (let s = 0; s < seconds; s++) {
    const spike = s >= 34 && s < 41;
    const rate = ratePerSecond + Math.round((next() - 0.5) * 6);
    for (let i = 0; i < rate; i++) {
      const pick = next();
      const f =
        pick < FLOWS[0].share ? FLOWS[0] : pick < FLOWS[0].share + FLOWS[1].share ? FLOWS[1] : FLOWS[2];
      // Log-normal around the flow's median (Box–Muller).
      const z = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      let durationMs = f.medianMs * Math.exp(0.35 * z) * (spike ? 3.2 : 1);
      const failed = spike ? next() < 0.08 : next() < 0.002;
      if (failed) durationMs = Math.max(durationMs, 2_000 + next() * 1_000);
      const n = entries.length;
      entries.push({
        traceId: (0x4bf92f3577b34da6n * BigInt(n + 1)).toString(16).padStart(32, '0').slice(-32),
        correlationId: `run-ac98a0-${String(n).padStart(6, '0')}`,
        flow: f.flow,
        status: failed ? (next() < 0.5 ? 503 : 0) : 200,
        startMs: STARTED_MS + 5_000 + s * 1000 + Math.floor((i / rate) * 1000),
        durationMs: Math.round(durationMs * 1000) / 1000,
      });
    }
  }
  return entries;
}

function check(
  partial: Pick<CheckResult, 'id' | 'family' | 'title' | 'status' | 'phase'> & Partial<CheckResult>,
  gatePhase: number,
): ReportedCheck {
  return {
    expected: '-',
    observed: '-',
    message: partial.status === 'pass' ? partial.title : '',
    evidence: {},
    durationMs: 120,
    ...partial,
    required: partial.phase <= gatePhase,
  };
}

export function sampleChecks(gatePhase = 2): ReportedCheck[] {
  const c = (p: Parameters<typeof check>[0]): ReportedCheck => check(p, gatePhase);
  return [
    c({
      id: 'pipeline.probe.traces',
      family: 'pipeline',
      title: 'A probe span reaches Jaeger through the Collector',
      status: 'pass',
      phase: 1,
      durationMs: 1_840,
    }),
    c({
      id: 'pipeline.probe.logs',
      family: 'pipeline',
      title: 'A probe log line reaches Loki through the Collector',
      status: 'pass',
      phase: 1,
      durationMs: 2_210,
    }),
    c({
      id: 'pipeline.losses',
      family: 'pipeline',
      title: 'No stage of the pipeline refused, failed or discarded telemetry',
      status: 'pass',
      phase: 1,
      durationMs: 310,
    }),
    c({
      id: 'pipeline.collector-up',
      family: 'pipeline',
      title: "The Collector's own metrics were scraped throughout the run",
      status: 'pass',
      phase: 1,
    }),
    c({
      id: 'traces.completeness',
      family: 'traces',
      title: 'Every request of the ledger has its trace in Jaeger',
      status: 'pass',
      phase: 1,
      durationMs: 8_420,
    }),
    c({
      id: 'traces.propagation',
      family: 'traces',
      title: 'Every hop propagates traceparent: one root, every parent inside the trace',
      status: 'fail',
      phase: 1,
      durationMs: 6_930,
      expected: 'one root span per trace; every parent span inside the trace',
      observed: '412 of 1,190 plan_and_execute traces have 2 roots',
      message:
        'data-router drops traceparent on its call to mind-kb: the mind-kb server span starts a new trace (412 traces, first 4b1c…e0a2)',
      evidence: {
        traceIds: [
          '4bf92f3577b34da6a3ce929d0e0e4736',
          '00f067aa0ba902b7a3ce929d0e0e4736',
          '7d1b0c8e55f2a4b1e0a2c3d4e5f60718',
        ],
        brokenHop: { from: 'data-router', to: 'mind-kb', span: 'POST /kb/mind/query' },
        urls: ['http://127.0.0.1:16686/search?service=mind-kb&tags=%7B%22run.id%22%3A%22ac98a0%22%7D'],
      },
    }),
    c({
      id: 'traces.structure',
      family: 'traces',
      title: "Each trace holds its flow's services and span names",
      status: 'pass',
      phase: 1,
      durationMs: 5_100,
    }),
    c({
      id: 'traces.correlation',
      family: 'traces',
      title: "Every span carries the request's correlation id",
      status: 'pass',
      phase: 2,
      durationMs: 3_020,
    }),
    c({
      id: 'traces.attributes',
      family: 'traces',
      title: 'Spans carry the required attributes',
      status: 'pass',
      phase: 2,
    }),
    c({
      id: 'metrics.targets',
      family: 'metrics',
      title: 'Every scrape target is up',
      status: 'pass',
      phase: 1,
    }),
    c({
      id: 'metrics.presence',
      family: 'metrics',
      title: "Every catalog metric of the phase's services is exposed",
      status: 'pass',
      phase: 1,
    }),
    c({
      id: 'metrics.types',
      family: 'metrics',
      title: 'Metric types match the catalog (metadata API)',
      status: 'pass',
      phase: 1,
    }),
    c({
      id: 'metrics.labels',
      family: 'metrics',
      title: 'Labels and label values match the catalog',
      status: 'pass',
      phase: 1,
    }),
    c({
      id: 'metrics.naming',
      family: 'metrics',
      title: 'Every phoenix_* metric follows the naming conventions',
      status: 'pass',
      phase: 1,
    }),
    c({
      id: 'metrics.histograms',
      family: 'metrics',
      title: 'Histograms are sane: +Inf bucket equals _count, buckets monotone',
      status: 'pass',
      phase: 1,
    }),
    c({
      id: 'metrics.accounting',
      family: 'metrics',
      title: 'Requests counted equal requests the ledger sent, by flow and status',
      status: 'fail',
      phase: 1,
      durationMs: 940,
      expected: 'increase(phoenix_http_requests_total{service="orchestrator-service"}) = 1,190 (ledger)',
      observed: '2,380: every request counted twice',
      message:
        'orchestrator-service counts each plan_and_execute request twice (2,380 counted for 1,190 sent)',
      evidence: {
        promql: [
          'sum by (flow, status) (increase(phoenix_http_requests_total{service="orchestrator-service", run_id="ac98a0"}[2m]))',
        ],
      },
    }),
    c({
      id: 'metrics.cardinality',
      family: 'metrics',
      title: 'Series per metric and service stay within the cardinality budget',
      status: 'pass',
      phase: 2,
    }),
    c({
      id: 'logs.labels',
      family: 'logs',
      title: 'Loki has the required labels, with allowed values',
      status: 'pass',
      phase: 1,
    }),
    c({
      id: 'logs.forbidden-labels',
      family: 'logs',
      title: 'No high-cardinality label (trace_id, correlation_id) on Loki streams',
      status: 'pass',
      phase: 1,
    }),
    c({
      id: 'logs.completeness',
      family: 'logs',
      title: "Every request's log lines are in Loki, from every service on its path",
      status: 'error',
      phase: 2,
      durationMs: 30_000,
      expected: 'Loki answers the completeness query',
      observed: 'HTTP 503 after 30000ms',
      message:
        'Loki query_range at http://127.0.0.1:43121 answered 503 "too many outstanding requests" until the 30000ms deadline',
      evidence: {
        logql: ['sum by (service) (count_over_time({job="phoenix"} | json | run_id="ac98a0" [5m]))'],
      },
    }),
    c({
      id: 'dashboards.grafana.healthy',
      family: 'dashboards',
      title: 'Grafana is up and its database healthy',
      status: 'pass',
      phase: 1,
    }),
    c({
      id: 'dashboards.datasources.listed',
      family: 'dashboards',
      title: 'Grafana lists its datasources',
      status: 'pass',
      phase: 1,
    }),
    c({
      id: 'dashboards.panels.data',
      family: 'dashboards',
      title: 'Every required panel query returns data for the run window',
      status: 'fail',
      phase: 3,
      expected: 'data in every panel of phoenix-orchestrator',
      observed: '1 of 14 panels empty: "Circuit breaker state"',
      message:
        'panel "Circuit breaker state" returned no series: phoenix_circuit_breaker_state is not exposed yet',
      evidence: { urls: ['http://127.0.0.1:3000/d/phoenix-orchestrator?viewPanel=7'] },
    }),
    c({
      id: 'alerts.offline.rules',
      family: 'alerts',
      title: 'promtool test rules: every alert fires at real time scales',
      status: 'pass',
      phase: 1,
      durationMs: 640,
    }),
    c({
      id: 'alerts.drill.high-error-rate',
      family: 'alerts',
      title: 'Drill: PhoenixHighErrorRate fires, is delivered and resolves',
      status: 'pass',
      phase: 2,
      durationMs: 95_000,
    }),
    c({
      id: 'alerts.drill.circuit-breaker',
      family: 'alerts',
      title: 'Drill: PhoenixCircuitBreakerOpen fires, is delivered and resolves',
      status: 'skip',
      phase: 3,
      message: 'phase 3 drill: circuit-breaker metrics are not in the phase 2 catalog',
    }),
    c({
      id: 'baseline.p95',
      family: 'baseline',
      title: 'p95 latency within 10% of the baseline',
      status: 'skip',
      phase: 1,
      message: 'no --baseline given',
    }),
  ];
}

export const SAMPLE_WAIVED = [{ id: 'baseline.p95', reason: 'first run: no baseline yet' }];

/** The whole report; pass overrides to vary one part. */
export function sampleRunReport(overrides: Partial<RunReport> = {}): RunReport {
  const phase = overrides.phase ?? 2;
  const checks = overrides.checks ?? sampleChecks(phase);
  const required = checks.filter((c) => c.required).map((c) => c.id);
  const failedRequired = checks
    .filter((c) => c.required && (c.status === 'fail' || c.status === 'error'))
    .map((c) => c.id);
  // The sample's skipped baseline check is waived, as a first run's config would.
  const waived = overrides.gate?.waived ?? SAMPLE_WAIVED.filter((w) => checks.some((c) => c.id === w.id));
  const skippedRequired = checks
    .filter((c) => c.required && c.status === 'skip' && !waived.some((w) => w.id === c.id))
    .map((c) => c.id);
  const ledger = sampleLedger();
  const sent = (flow: string): number => ledger.filter((e) => e.flow === flow).length;
  const pe = sent('plan_and_execute');
  const kb = sent('kb_query');
  const llm = sent('llm_generate');
  return {
    schemaVersion: RUN_REPORT_SCHEMA_VERSION,
    runId: '20261123T123250-ac98a0',
    startedAt: new Date(STARTED_MS).toISOString(),
    finishedAt: new Date(STARTED_MS + 4 * 60_000 + 12_000).toISOString(),
    phase,
    verdict: failedRequired.length === 0 && skippedRequired.length === 0 ? 'pass' : 'fail',
    gate: {
      phase,
      required,
      failedRequired,
      skippedRequired,
      waived,
      waiverWarnings: overrides.gate?.waiverWarnings ?? [],
    },
    checks,
    accounting: [
      { flow: 'plan_and_execute', sent: pe, traced: pe - 2, logged: pe, counted: pe * 2 },
      { flow: 'kb_query', sent: kb, traced: kb, logged: kb, counted: kb },
      { flow: 'llm_generate', sent: llm, traced: llm, logged: llm - 37, counted: llm },
    ],
    latency: latencyFromLedger(ledger),
    drills: [
      {
        alert: 'PhoenixHighErrorRate',
        receiver: 'phoenix-oncall-webhook',
        startedAt: new Date(STARTED_MS + 80_000).toISOString(),
        pendingMs: 14_800,
        firingMs: 75_200,
        deliveredMs: 76_050,
        resolvedMs: 138_400,
        status: 'pass',
      },
      {
        alert: 'PhoenixHighLatencyP95',
        receiver: 'phoenix-oncall-webhook',
        startedAt: new Date(STARTED_MS + 90_000).toISOString(),
        pendingMs: 15_100,
        firingMs: 76_000,
        status: 'fail',
      },
    ],
    components: [
      { name: 'prometheus', version: '2.42.0', url: 'http://127.0.0.1:41231' },
      { name: 'alertmanager', version: '0.25.0', url: 'http://127.0.0.1:41233' },
      { name: 'otel-collector', version: '0.128.0', url: 'http://127.0.0.1:41235' },
      { name: 'jaeger', version: '2.7.0', url: 'http://127.0.0.1:16686' },
      { name: 'loki', version: '3.5.1', url: 'http://127.0.0.1:43121' },
      { name: 'grafana', version: '12.0.2', url: 'http://127.0.0.1:3000' },
      { name: 'k6', version: '1.1.0' },
    ],
    config: {
      phases: [1, 2, 3, 4],
      outDir: 'out',
      stack: {
        runner: 'local',
        images: 'auto',
        startupTimeoutMs: 60_000,
        ingestTimeoutMs: 30_000,
        logStore: 'victorialogs',
        grafana: false,
      },
      load: { scenario: 'load', rate: 20, duration: '60s', engine: 'auto' },
      reporters: ['console', 'html', 'json', 'junit'],
      baseline: { p95IncreasePct: 10, p99IncreasePct: 15, errorRateIncrease: 0.01, cardinalityGrowthPct: 20 },
    },
    scenario: { name: 'load', engine: 'node (in-process engine)', exitCode: 0, thresholdFailures: [] },
    dashboardsPath: 'harness',
    links: {
      jaeger: 'http://127.0.0.1:16686',
      prometheus: 'http://127.0.0.1:41231',
      victorialogs: 'http://127.0.0.1:43121',
    },
    ...overrides,
  };
}
