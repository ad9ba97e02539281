import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceName } from '../../catalog/index.ts';
import { pollUntil, type CheckResult } from '../../core/index.ts';
import { readLedger, runScenario } from '../../load/index.ts';
import { startFleet, type FaultName } from '../../mock-services/index.ts';
import { startLocalStack, type StartedStack } from '../../stack/index.ts';
import {
  createClients,
  endpointsFromStack,
  logsCheck,
  metricsCheck,
  pipelineCheck,
  tracesCheck,
  type ValidationContext,
} from '../../validators/index.ts';

/**
 * Every check can fail: each case switches on the fleet fault a check exists to catch, drives a
 * short smoke run (the in-process load engine), and asserts the check fails naming the service / metric / label / hop. The
 * baseline case (no fault) must pass every family.
 */
describe('each validator catches the fault it exists for (real stack, in-process load engine)', () => {
  let sharedStack: StartedStack;
  let n = 0;

  beforeAll(async () => {
    sharedStack = await startLocalStack({ outDir: 'out', log: () => undefined });
  });

  afterAll(async () => {
    await sharedStack?.[Symbol.asyncDispose]();
  });

  async function runCase(
    fault?: { service: ServiceName; name: FaultName; params?: Record<string, unknown> },
    options: { duringLoad?: () => Promise<void>; stack?: StartedStack } = {},
  ): Promise<Record<string, CheckResult>> {
    const stack = options.stack ?? sharedStack;
    n += 1;
    const endpoints = endpointsFromStack(stack.endpoints());
    const runId = `${stack.runId}-case${n}`;
    await using fleet = await startFleet({
      otlpHttpEndpoint: stack.endpoints()['otel-collector.otlp-http'],
      logDir: stack.fleetLogDir ?? join(stack.dir, '..', 'fleet-logs'),
      logsViaOtlp: false,
    });
    stack.setScrapeTargets(fleet.scrapeTargets());
    if (fault) await fleet.setFault(fault.service, { name: fault.name, ...(fault.params ?? {}) });
    const clients = createClients(endpoints);
    // Baseline: every target scraped once before the load.
    const mine = new Set(fleet.scrapeTargets().flatMap((g) => g.targets));
    await pollUntil({
      description: 'fleet scraped',
      probe: async () =>
        ((await clients.prometheus?.targets()) ?? []).filter(
          (t) => mine.has(t.labels.instance ?? '') && t.health !== 'unknown',
        ),
      until: (t) => t.length === fleet.services.size,
      timeoutMs: 20_000,
    });
    const start = new Date();
    const during = options.duringLoad?.();
    const run = await runScenario({
      scenario: 'smoke',
      baseUrl: fleet.entryUrl,
      runId,
      outDir: 'out',
      engine: 'node',
      env: { DURATION: '4s', RATE: '5' },
    });
    await during;
    const end = new Date();
    // With the Collector gone the last export fails: that loss is what the checks must report.
    await fleet.flush().catch(() => undefined);
    const ledgerPath = run.ledgerPath ?? '';
    const ctx: ValidationContext = {
      runId,
      phase: 4,
      endpoints,
      clients,
      ingestTimeoutMs: 20_000,
      ledger: { path: ledgerPath, read: () => readLedger(ledgerPath) },
      window: { start, end },
    };
    const results = (
      await Promise.all([tracesCheck(ctx), metricsCheck(ctx), logsCheck(ctx), pipelineCheck(ctx)])
    ).flat();
    return Object.fromEntries(results.map((r) => [r.id, r]));
  }

  it('passes every family with no fault', async () => {
    const results = await runCase();
    for (const r of Object.values(results)) {
      // The Collector probe and alert checks live elsewhere; everything here must pass.
      expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
    }
  });

  it('traces.propagation names the hop that dropped traceparent', async () => {
    const results = await runCase({ service: 'data-router', name: 'drop-traceparent' });
    expect(results['traces.propagation']?.status, results['traces.propagation']?.message).toBe('fail');
    expect(results['traces.propagation']?.message).toMatch(
      /^data-router → (mind|body|heart|social|soul)-kb did not propagate traceparent/,
    );
  });

  it('logs.completeness names the service that dropped its logs', async () => {
    const results = await runCase({ service: 'reflection', name: 'drop-logs' });
    expect(results['logs.completeness']?.status, results['logs.completeness']?.message).toBe('fail');
    expect(results['logs.completeness']?.message).toMatch(
      /^VictoriaLogs at http:\/\/127\.0\.0\.1:\d+: reflection: no log lines for \d+ of \d+ requests/,
    );
  });

  it('metrics.presence names the omitted metric and its service', async () => {
    const results = await runCase({
      service: 'llm-service',
      name: 'omit-metric',
      params: { metric: 'phoenix_llm_queue_depth' },
    });
    expect(results['metrics.presence']?.status, results['metrics.presence']?.message).toBe('fail');
    expect(results['metrics.presence']?.message).toContain('phoenix_llm_queue_depth on llm-service');
  });

  it('metrics.labels and metrics.cardinality name the high-cardinality label', async () => {
    const results = await runCase({ service: 'orchestrator-service', name: 'high-cardinality-label' });
    expect(results['metrics.labels']?.status, results['metrics.labels']?.message).toBe('fail');
    expect(results['metrics.labels']?.message).toMatch(/has unexpected label "request_id"/);
    expect(results['metrics.cardinality']?.status, results['metrics.cardinality']?.message).toBe('fail');
    expect(results['metrics.cardinality']?.message).toMatch(
      /on orchestrator-service: \d+ series \(budget \d+\)/,
    );
  });

  it('metrics.accounting names the service that double-counts, with both numbers', async () => {
    const results = await runCase({ service: 'orchestrator-service', name: 'double-count' });
    expect(results['metrics.accounting']?.status, results['metrics.accounting']?.message).toBe('fail');
    expect(results['metrics.accounting']?.message).toMatch(
      /orchestrator-service counted (\d+) \w+ requests with status 200, the ledger implies (\d+)/,
    );
    const [, counted, implied] =
      /counted (\d+) .* implies (\d+)/.exec(results['metrics.accounting']?.message ?? '') ?? [];
    expect(Number(counted)).toBe(2 * Number(implied));
  });

  it('a retried hop: traces, logs and metrics each count it twice, naming the services', async () => {
    const results = await runCase({ service: 'orchestrator-service', name: 'retry-calls' });
    const structure = results['traces.structure'];
    expect(structure?.status, structure?.message).toBe('fail');
    expect(structure?.message).toMatch(/orchestrator-service: 2 × call [a-z-]+ \(expected 1\)/);
    const logs = results['logs.completeness'];
    expect(logs?.status, logs?.message).toBe('fail');
    expect(logs?.message).toMatch(
      /(safety-service|data-router|llm-service): more log lines than its flow writes for \d+ of \d+ requests \(e\.g\. 2 for [0-9a-f]{32}, expected 1/,
    );
    const accounting = results['metrics.accounting'];
    expect(accounting?.status, accounting?.message).toBe('fail');
    const [, counted, implied] =
      /(?:safety-service|data-router|llm-service) counted (\d+) \w+ requests with status 200, the ledger implies (\d+)/.exec(
        accounting?.message ?? '',
      ) ?? [];
    expect(Number(counted), accounting?.message).toBe(2 * Number(implied));
  });

  it('logs.completeness names the service whose lines are shipped twice', async () => {
    const results = await runCase({ service: 'safety-service', name: 'duplicate-logs' });
    const logs = results['logs.completeness'];
    expect(logs?.status, logs?.message).toBe('fail');
    expect(logs?.message).toMatch(
      /^VictoriaLogs at http:\/\/127\.0\.0\.1:\d+: safety-service: more log lines than its flow writes for \d+ of \d+ requests \(e\.g\. 2 for [0-9a-f]{32}, expected 1: a line shipped twice, or a hop run twice\)/,
    );
  });

  it('pipeline and traces notice the Collector stopped mid-run', async () => {
    const results = await runCase(undefined, {
      duringLoad: async () => {
        // Stop the Collector 1.5 s into the 4 s load: part of the run's telemetry has nowhere to go.
        await new Promise((r) => setTimeout(r, 1_500));
        await sharedStack.stopComponent('otel-collector');
      },
    });
    expect(results['pipeline.collector-up']?.status, results['pipeline.collector-up']?.message).toBe('fail');
    expect(results['pipeline.collector-up']?.message).toMatch(
      /the Collector was down for \d+ of \d+ scrapes during the run/,
    );
    expect(results['traces.completeness']?.status, results['traces.completeness']?.message).toBe('fail');
    expect(results['traces.completeness']?.message).toMatch(/requests have no trace in Jaeger/);
  });

  it('logs.forbidden-labels names correlation_id when the shipper makes it a VictoriaLogs stream field', async () => {
    // The seed's pitfall, on the embedded store: the Collector's exporter asks VictoriaLogs to make a
    // per-request id a stream field (one stream per request), as the seed's Vector sink did with a Loki
    // label. correlation_id, not trace_id: VictoriaLogs 1.52.1 panics when the stream field is trace_id,
    // which an OTLP record carries twice (the record's own and the parsed line's attribute).
    await using pitfall = await startLocalStack({
      outDir: 'out',
      log: () => undefined,
      editConfig: {
        'otel-collector': (files) => {
          const config = files['config.yaml'] ?? '';
          expect(config).toContain('VL-Stream-Fields: service,level');
          return {
            ...files,
            'config.yaml': config.replace(
              'VL-Stream-Fields: service,level',
              'VL-Stream-Fields: service,level,correlation_id',
            ),
          };
        },
      },
    });
    const results = await runCase(undefined, { stack: pitfall });
    expect(results['logs.forbidden-labels']?.status, results['logs.forbidden-labels']?.message).toBe('fail');
    expect(results['logs.forbidden-labels']?.message).toMatch(
      /^VictoriaLogs at http:\/\/127\.0\.0\.1:\d+ indexes high-cardinality stream label\(s\) correlation_id \(\d+ values\)/,
    );
  });
});
