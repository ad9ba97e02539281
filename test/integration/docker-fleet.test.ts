import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KB_SERVICES, SERVICE_NAMES, flowByName, type ServiceName } from '../../catalog/index.ts';
import { SERVICE_LABEL, pollUntil } from '../../core/index.ts';
import { postJson, traceparent, type Fault, type StartedFleet } from '../../mock-services/index.ts';
import {
  FLEET_SERVICE_CONTAINER_LABEL,
  startContainerFleet,
  startDockerStack,
  type StartedContainerFleet,
  type StartedStack,
} from '../../stack/index.ts';
import {
  createClients,
  endpointsFromStack,
  type BackendClients,
  type FleetControl,
  type JaegerTrace,
} from '../../validators/index.ts';
import { serviceLinesOfTrace } from './fixtures/victorialogs.ts';

const INGEST_TIMEOUT_MS = 45_000;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const dockerAnswers = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;

/** Containers (any state) matching every label filter, e.g. `phoenix-harness.run-id=<id>`. */
function containersWith(...labels: string[]): string[] {
  const filters = labels.flatMap((l) => ['--filter', `label=${l}`]);
  return spawnSync('docker', ['ps', '-aq', ...filters], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
}

const serviceOf = (trace: JaegerTrace, processId: string) => trace.processes[processId]?.serviceName ?? '?';

// Without a Docker daemon these tests cannot run; CI starts one (.ci/run), so there they always run.
describe.skipIf(!dockerAnswers && process.env.CI !== 'true')(
  'the mock fleet as containers (docker runner)',
  () => {
    let stack: StartedStack;
    let fleet: StartedContainerFleet;
    let clients: BackendClients;
    const request = {
      traceId: hex(16),
      parentSpanId: hex(8),
      correlationId: `it-docker-${hex(4)}`,
      started: new Date(),
      services: new Set<ServiceName>(),
    };

    beforeAll(async () => {
      stack = await startDockerStack({ outDir: 'out', images: 'local', log: () => undefined });
      // Logs the image it builds or reuses and how long the 14 containers took to answer /healthz.
      fleet = await startContainerFleet(stack, { log: (line) => console.log(line) });
      clients = createClients(endpointsFromStack(stack.endpoints()), stack.credentials());

      request.started = new Date();
      const answer = await postJson(
        `${fleet.entryUrl}/api/process`,
        { query: 'integration: plan my week in containers', parameters: {} },
        {
          traceparent: traceparent(request.traceId, request.parentSpanId),
          'x-correlation-id': request.correlationId,
        },
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body['trace_id']).toBe(request.traceId);
      const steps = (answer.body['plan'] as { steps: { service: ServiceName }[] }).steps;
      const kbs = steps.map((s) => s.service).filter((s) => (KB_SERVICES as readonly string[]).includes(s));
      for (const s of [...flowByName('plan_and_execute').services, ...kbs]) request.services.add(s);
      await fleet.flush();
    });

    afterAll(async () => {
      await fleet?.[Symbol.asyncDispose]();
      await stack?.[Symbol.asyncDispose]();
    });

    it('has the shape of an in-process fleet, on loopback, found by Prometheus through DNS', () => {
      // Compiles only while the handle stays assignable to mock-services' StartedFleet (the CLI takes either).
      const asFleet: StartedFleet = fleet;
      const asDrillControl: FleetControl = fleet;
      expect(asDrillControl).toBe(asFleet);
      expect(asFleet.services.size).toBe(SERVICE_NAMES.length);
      expect([...fleet.services.keys()]).toEqual([...SERVICE_NAMES]);
      expect(fleet.entryUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const info of fleet.services.values()) expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(fleet.scrapeTargets()).toEqual([]);
    });

    it('stores one trace in Jaeger with a span from every service on the path and intact parentage', async () => {
      const jaeger = clients.jaeger!;
      const outcome = await pollUntil({
        description: `trace ${request.traceId} in Jaeger`,
        probe: () => jaeger.getTrace(request.traceId),
        until: (t) =>
          t !== undefined &&
          new Set(t.spans.map((s) => serviceOf(t, s.processID))).size >= request.services.size,
        timeoutMs: INGEST_TIMEOUT_MS,
        intervalMs: 500,
      });
      const trace = outcome.last;
      expect(trace, `Jaeger at ${jaeger.baseUrl}`).toBeDefined();
      const services = new Set(trace!.spans.map((s) => serviceOf(trace!, s.processID)));
      expect([...services].sort()).toEqual([...request.services].sort());
      const ids = new Set(trace!.spans.map((s) => s.spanID));
      for (const span of trace!.spans) {
        const parent = span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
        const where = `${serviceOf(trace!, span.processID)} ${span.operationName}`;
        if (span.operationName === 'POST /api/process') expect(parent, where).toBe(request.parentSpanId);
        else expect(ids.has(parent ?? ''), `${where} has its parent in the trace`).toBe(true);
      }
    });

    it('lets Prometheus scrape all 14 services by the seed names (dns_sd_configs, port 8080)', async () => {
      const prometheus = clients.prometheus!;
      const outcome = await pollUntil({
        description: 'up == 1 for every phoenix service',
        probe: () => prometheus.query('up{job="phoenix-services"} == 1'),
        until: (samples) => samples.length >= SERVICE_NAMES.length,
        timeoutMs: INGEST_TIMEOUT_MS,
        intervalMs: 500,
      });
      const samples = outcome.last ?? [];
      expect(samples.map((s) => s.metric[SERVICE_LABEL]).sort()).toEqual([...SERVICE_NAMES].sort());
      // Discovered by DNS: the instance is the container's address on the harness's network, port 8080.
      for (const s of samples) expect(s.metric['instance'], s.metric[SERVICE_LABEL]).toMatch(/:8080$/);
      const targets = (await prometheus.targets()).filter((t) => t.scrapePool === 'phoenix-services');
      expect(targets.filter((t) => t.health !== 'up').map((t) => `${t.scrapeUrl}: ${t.lastError}`)).toEqual(
        [],
      );
    });

    it("stores the request's log lines in VictoriaLogs, from each service on the path (files → Collector)", async () => {
      const victoriaLogs = stack.component('victorialogs').getUrl();
      const linesOf = (service: ServiceName) =>
        serviceLinesOfTrace(victoriaLogs, service, request.traceId, request.started);
      const outcome = await pollUntil({
        description: 'log lines of every service in VictoriaLogs',
        probe: async () => {
          const counts = await Promise.all(
            [...request.services].map(async (s) => [s, (await linesOf(s)).length] as const),
          );
          return counts.filter(([, n]) => n === 0).map(([s]) => s);
        },
        until: (missing) => missing.length === 0,
        timeoutMs: INGEST_TIMEOUT_MS,
        intervalMs: 1000,
      });
      expect(outcome.last, `services without log lines in VictoriaLogs at ${victoriaLogs}`).toEqual([]);
      const [record] = await linesOf('data-router');
      expect(record).toMatchObject({
        _stream: '{level="info",service="data-router"}',
        trace_id: request.traceId,
        correlation_id: request.correlationId,
      });
      expect(JSON.parse(record!._msg!)).toMatchObject({ service: 'data-router', trace_id: request.traceId });
    });

    it('injects faults through each container’s /admin/faults', async () => {
      await fleet.setFault('orchestrator-service', { name: 'error-rate', rate: 1 });
      expect(await fleet.activeFaults<Fault>('orchestrator-service')).toEqual([
        { name: 'error-rate', rate: 1 },
      ]);
      const failed = await postJson(`${fleet.entryUrl}/api/process`, { query: 'fail me', parameters: {} });
      expect(failed.status).toBe(500);
      await expect(fleet.setFault('orchestrator-service', { name: 'meteor' })).rejects.toThrow(
        /unknown fault/,
      );
      await fleet.clearFaults();
      expect(await fleet.activeFaults('orchestrator-service')).toEqual([]);
      const ok = await postJson(`${fleet.entryUrl}/api/process`, { query: 'fine again', parameters: {} });
      expect(ok.status).toBe(200);
    });

    it('leaves no container of the run behind once disposed', async () => {
      const runLabel = `phoenix-harness.run-id=${stack.runId}`;
      expect(containersWith(runLabel, FLEET_SERVICE_CONTAINER_LABEL)).toHaveLength(SERVICE_NAMES.length);
      const stopping = Date.now();
      await fleet[Symbol.asyncDispose]();
      console.log(`fleet: stopped and removed in ${Date.now() - stopping}ms`);
      expect(containersWith(runLabel, FLEET_SERVICE_CONTAINER_LABEL)).toEqual([]);
      await stack[Symbol.asyncDispose]();
      expect(containersWith(runLabel)).toEqual([]);
    });
  },
);
