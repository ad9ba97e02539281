import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { LOG_LEVELS, LOG_SCHEMA, SERVICE_NAMES, type ServiceName } from '../catalog/index.ts';
import { HarnessError, LOOPBACK, SERVICE_LABEL } from '../core/index.ts';
import { sumOf } from './prometheus-text.ts';
import { startFleet, type StartedFleet } from './start-fleet.ts';
import { postJson, scrape, traceparent } from './testing.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

describe('startFleet', () => {
  let fleet: StartedFleet | undefined;
  let blocker: Server | undefined;
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-test-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await fleet?.[Symbol.asyncDispose]();
    fleet = undefined;
    blocker?.close();
    blocker = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start when a requested port is taken, naming the service and port', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, LOOPBACK, resolve));
    const port = (blocker.address() as { port: number }).port;
    const attempt = startFleet({
      threads: 1,
      services: ['data-router', 'mind-kb'],
      ports: { 'mind-kb': port },
    });
    await expect(attempt).rejects.toThrow(HarnessError);
    await expect(attempt).rejects.toThrow(`port ${port} for mind-kb is taken on 127.0.0.1`);
  });

  it('refuses two services on one port and unknown service names', async () => {
    await expect(startFleet({ threads: 1, ports: { executor: 45_001, reflection: 45_001 } })).rejects.toThrow(
      /reflection and executor were both given port 45001|executor and reflection were both given port 45001/,
    );
    await expect(startFleet({ threads: 1, services: ['ghost-service' as ServiceName] })).rejects.toThrow(
      'unknown service "ghost-service"',
    );
  });

  it('runs all 14 services on their own ports and gives one scrape target per service', async () => {
    fleet = await startFleet({ threads: 1 });
    expect([...fleet.services.keys()]).toEqual(SERVICE_NAMES);
    const ports = [...fleet.services.values()].map((s) => s.port);
    expect(new Set(ports).size).toBe(14);
    expect(fleet.entryUrl).toBe(fleet.services.get('orchestrator-service')!.url);
    const targets = fleet.scrapeTargets();
    expect(targets).toHaveLength(14);
    expect(targets[0]).toEqual({
      targets: [`127.0.0.1:${fleet.services.get('orchestrator-service')!.port}`],
      labels: { [SERVICE_LABEL]: 'orchestrator-service' },
    });
  });

  it('says so when the orchestrator is not part of the fleet', async () => {
    fleet = await startFleet({ threads: 1, services: ['reflection'] });
    expect(() => fleet!.entryUrl).toThrow('orchestrator-service is not part of this fleet');
  });

  it('answers 503 upstream for a peer that is not in the fleet', async () => {
    fleet = await startFleet({ threads: 1, services: ['orchestrator-service', 'data-router'] });
    const answer = await postJson(`${fleet.entryUrl}/api/kb/query`, { query: 'q', kb: 'heart' });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ failed_service: 'heart-kb' });
  });

  it('writes one JSON line per request and service into <logDir>/<service>/<service>.log', async () => {
    const logDir = tempDir();
    fleet = await startFleet({
      threads: 1,
      services: ['orchestrator-service', 'data-router', 'mind-kb', 'heart-kb'],
      logDir,
      logsViaOtlp: false,
    });
    await fleet.setFault('heart-kb', { name: 'drop-logs' });
    await postJson(
      `${fleet.entryUrl}/api/kb/query`,
      { query: 'q', kb: 'mind' },
      { traceparent: traceparent(TRACE_ID, '00f067aa0ba902b7'), 'x-correlation-id': 'log-1' },
    );
    await postJson(`${fleet.entryUrl}/api/kb/query`, { query: 'q', kb: 'heart' });
    const files = Object.fromEntries([...fleet.services].map(([name, s]) => [name, s.logFile]));
    await fleet[Symbol.asyncDispose]();
    fleet = undefined;
    for (const service of ['orchestrator-service', 'data-router', 'mind-kb'] as const) {
      expect(files[service]).toBe(join(logDir, service, `${service}.log`));
      const lines = readFileSync(files[service]!, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.length, service).toBe(service === 'mind-kb' ? 1 : 2);
      const first = lines[0]!;
      for (const field of LOG_SCHEMA.fields) expect(first, `${service} ${field}`).toHaveProperty(field);
      expect(first).toMatchObject({ service, trace_id: TRACE_ID, correlation_id: 'log-1', level: 'info' });
      expect(first['span_id']).toMatch(/^[0-9a-f]{16}$/);
      expect(LOG_LEVELS).toContain(first['level']);
    }
    expect(readFileSync(files['heart-kb']!, 'utf8')).toBe('');
  });

  it('writes no files without logsToFile', async () => {
    fleet = await startFleet({ threads: 1, services: ['reflection'], logDir: tempDir(), logsToFile: false });
    expect(fleet.services.get('reflection')!.logFile).toBeUndefined();
  });

  it('spreads the services over worker threads and drives them the same way', async () => {
    fleet = await startFleet({
      threads: 2,
      services: ['orchestrator-service', 'data-router', 'mind-kb', 'soul-kb'],
    });
    expect(fleet.threads).toBe(2);
    expect((await postJson(`${fleet.entryUrl}/api/kb/query`, { query: 'q', kb: 'soul' })).status).toBe(200);
    await fleet.setFault('soul-kb', { name: 'error-rate', rate: 1 });
    expect(await fleet.activeFaults('soul-kb')).toEqual([{ name: 'error-rate', rate: 1 }]);
    expect((await postJson(`${fleet.entryUrl}/api/kb/query`, { query: 'q', kb: 'soul' })).status).toBe(500);
    await expect(fleet.setFault('soul-kb', { name: 'latency', ms: 'slow' })).rejects.toThrow(/ms/);
    await fleet.clearFaults();
    expect((await postJson(`${fleet.entryUrl}/api/kb/query`, { query: 'q', kb: 'soul' })).status).toBe(200);
    await fleet.flush();
    const soul = await scrape(fleet.services.get('soul-kb')!.url);
    expect(sumOf(soul, 'phoenix_service_requests_total', { status: '200' })).toBe(2);
    expect(sumOf(soul, 'phoenix_service_requests_total', { status: '500' })).toBe(1);
  }, 30_000);
});

describe('mock-services/main.ts', () => {
  it('prints each service URL, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'mock-services/main.ts',
        '--service',
        'reflection',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
      ],
      {
        cwd: join(import.meta.dirname, '..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = once(child, 'exit');
    const deadline = Date.now() + 20_000;
    while (!out.includes('ready') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /^reflection (http:\/\/\S+)$/m.exec(out)?.[1];
    expect(url, out).toBeDefined();
    expect((await postJson(`${url}/internal/reflect`, { query: 'q' })).status).toBe(200);
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  }, 30_000);
});
