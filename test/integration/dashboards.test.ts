/**
 * The dashboards check without a Grafana server, on a real Prometheus (the embedded stack's, with
 * the harness's recording rules): the mock fleet scraped, the in-process request loop driving it,
 * and the harness running every committed panel's PromQL itself (`query_range`, Grafana's
 * interpolation). A fleet that omits a metric must fail the panel reading it, by name.
 *
 * Logs panels: this test starts Prometheus only, so they are skipped ("needs a log store"); the
 * log store path is covered by the unit tests' fake and the logs family's own tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../core/index.ts';
import { drillTraffic, type RequestLoop } from '../../load/index.ts';
import { startFleet, type StartedFleet } from '../../mock-services/index.ts';
import { startStack, type StartedStack } from '../../stack/index.ts';
import {
  createClients,
  dashboards,
  endpointsFromStack,
  type ValidationContext,
} from '../../validators/index.ts';

const OMITTED = 'phoenix_data_router_route_duration_seconds';
const OMITTED_PANEL = 'dashboards.data-router-service.panel-data.4-routing-latency-p95-by-target';

const notPassing = (results: CheckResult[]) =>
  results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => `${r.id}: ${r.message}`);

describe('dashboards run by the harness against a real Prometheus (no Grafana)', () => {
  let stack: StartedStack;
  let fleet: StartedFleet;
  let traffic: RequestLoop;

  const contextFor = (phase: 1 | 2 | 3, ingestTimeoutMs: number): ValidationContext => {
    const endpoints = endpointsFromStack(stack.endpoints());
    return {
      runId: stack.runId,
      phase,
      endpoints,
      clients: createClients(endpoints, stack.credentials()),
      ingestTimeoutMs,
    };
  };

  beforeAll(async () => {
    stack = await startStack({
      runner: 'local',
      components: ['prometheus'],
      outDir: 'out',
      startupTimeoutMs: 60_000,
      log: () => undefined,
    });
    fleet = await startFleet({ host: stack.scrapeTargetHost, logsViaOtlp: false, logsToFile: false });
    // The fault is on before the first scrape: Prometheus never sees the metric.
    await fleet.setFault('data-router', { name: 'omit-metric', metric: OMITTED });
    stack.setScrapeTargets(fleet.scrapeTargets());
    traffic = drillTraffic({ entryUrl: fleet.entryUrl, ratePerSecond: 10 });
    traffic.start();
  }, 120_000);

  afterAll(async () => {
    await traffic?.stop();
    await fleet?.[Symbol.asyncDispose]();
    await stack?.[Symbol.asyncDispose]();
  });

  it('fails the panel reading a metric the fleet omits, naming dashboard, panel and query', async () => {
    const results = await dashboards(contextFor(1, 30_000));
    const failed = results.filter((r) => r.status === 'fail' || r.status === 'error');
    expect(
      failed.map((r) => r.id),
      notPassing(results).join('\n'),
    ).toEqual([OMITTED_PANEL]);
    expect(failed[0]?.message).toMatch(
      new RegExp(
        `^dashboard data-router-service, panel "Routing Latency p95 by Target" would show "No data": query A \`[^\`]*${OMITTED}_bucket[^\`]*\` returns nothing for the run window .*run by the harness against Prometheus at http://127\\.0\\.0\\.1:\\d+\\)$`,
      ),
    );
  }, 120_000);

  it('passes at phase 3 once the metric is back: every Prometheus panel has data', async () => {
    await fleet.clearFaults('data-router');
    const results = await dashboards(contextFor(3, 60_000));
    expect(notPassing(results)).toEqual([]);
    const panels = results.filter((r) => r.id.includes('.panel-data.'));
    // Without a log store only the Logs panels are not run, and they say why.
    const skippedPanels = panels.filter((r) => r.status === 'skip');
    expect(skippedPanels.every((r) => r.id.endsWith('-logs') && /needs a log store/.test(r.message))).toBe(
      true,
    );
    expect(panels.filter((r) => r.status === 'pass').length).toBeGreaterThan(40);
    expect(panels.filter((r) => r.status === 'pass').every((r) => r.evidence.path === 'harness')).toBe(true);
  }, 180_000);
});
