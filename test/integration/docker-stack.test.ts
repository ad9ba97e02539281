import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../core/index.ts';
import { reapDockerOrphans, startDockerStack, type StartedStack } from '../../stack/index.ts';
import { createClients, endpointsFromStack, pipelineProbe } from '../../validators/index.ts';

const dockerAnswers = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;

function countManaged(): { containers: number; networks: number } {
  const ids = (args: string[]) =>
    spawnSync('docker', args, { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
  return {
    containers: ids(['ps', '-aq', '--filter', 'label=phoenix-harness=true']),
    networks: ids(['network', 'ls', '-q', '--filter', 'label=phoenix-harness=true']),
  };
}

// Without a Docker daemon these tests cannot run; CI starts one (.ci/run), so there they always run.
describe.skipIf(!dockerAnswers && process.env.CI !== 'true')('the docker runner (local images)', () => {
  let stack: StartedStack;

  beforeAll(async () => {
    stack = await startDockerStack({ outDir: 'out', images: 'local', log: () => undefined });
  });

  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
  });

  it('runs the same pipeline probe as the local runner, end to end', async () => {
    const endpoints = endpointsFromStack(stack.endpoints());
    const results = await pipelineProbe({
      runId: stack.runId,
      phase: 1,
      endpoints,
      clients: createClients(endpoints),
      ingestTimeoutMs: 45_000,
      scrapeTargetHost: stack.scrapeTargetHost,
      registerScrapeTargets: (g) => stack.setScrapeTargets(g),
    });
    for (const r of results) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
  });

  it('serves Grafana from its FROM-scratch image, reaching Prometheus by its network alias', async () => {
    const grafana = stack.component('grafana');
    const health = await fetch(grafana.getHealthUrl());
    expect(health.status, grafana.getHealthUrl()).toBe(200);
    expect(((await health.json()) as { version?: string }).version).toBe(grafana.version);
    const headers = stack.credentials().grafana ?? {};
    expect((await fetch(`${grafana.getUrl()}/api/search`)).status).toBe(401);
    const prometheus = await fetch(`${grafana.getUrl()}/api/datasources/uid/phoenix-prometheus/health`, {
      headers,
    });
    expect(prometheus.status, await prometheus.clone().text()).toBe(200);
  });

  it('publishes every component on loopback only (the sink listens on the harness network gateway)', () => {
    for (const [name, url] of Object.entries(stack.endpoints())) {
      if (name === 'webhook-sink') expect(url).toBe(`http://${stack.scrapeTargetHost}:${new URL(url).port}`);
      else expect(url, name).toMatch(/^(http:\/\/)?127\.0\.0\.1:\d+/);
    }
  });
});

describe.skipIf(!dockerAnswers && process.env.CI !== 'true')(
  'no orphans after a run killed with SIGKILL',
  () => {
    it('the next start removes what the killed run left, back to the count before', async () => {
      await reapDockerOrphans();
      const before = countManaged();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', resolve(import.meta.dirname, 'fixtures/start-docker-stack.ts')],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      const up = await pollUntil({
        description: 'the child stack up',
        probe: async () => output,
        until: (o) => o.includes('up'),
        timeoutMs: 120_000,
        intervalMs: 200,
      });
      expect(up.ok, `child output: ${output}`).toBe(true);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const leftover = countManaged();
      expect(leftover.containers).toBeGreaterThan(before.containers);
      const removed = await reapDockerOrphans();
      expect(removed.containers).toBe(leftover.containers - before.containers);
      expect(countManaged()).toEqual(before);
    });
  },
);
