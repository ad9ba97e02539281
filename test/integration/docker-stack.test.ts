import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../core/index.ts';
import {
  reapDockerOrphans,
  startDockerStack,
  startProbeTarget,
  type StartedStack,
} from '../../stack/index.ts';
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
    // Containers scrape it through the Docker network's gateway, as in a docker `validate`.
    await using probeTarget = await startProbeTarget({ host: stack.scrapeTargetHost });
    const results = await pipelineProbe({
      runId: stack.runId,
      phase: 1,
      endpoints,
      clients: createClients(endpoints),
      ingestTimeoutMs: 45_000,
      probeTarget,
      registerScrapeTargets: (g) => stack.setScrapeTargets(g),
    });
    for (const r of results) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
  });

  it('starts the embedded set only, VictoriaLogs from its FROM-scratch image', async () => {
    expect([...stack.components.keys()].sort()).toEqual([
      'alertmanager',
      'jaeger',
      'otel-collector',
      'prometheus',
      'victorialogs',
    ]);
    const vl = stack.component('victorialogs');
    expect(vl.version).toBe('1.52.1');
    expect((await fetch(vl.getHealthUrl())).status, vl.getHealthUrl()).toBe(200);
  });

  it('has Prometheus scrape VictoriaLogs by its network alias (the log store loss counters)', async () => {
    const prometheus = stack.component('prometheus').getUrl();
    const outcome = await pollUntil({
      description: 'vl_rows_ingested_total scraped from the victorialogs job',
      probe: async () => {
        const res = await fetch(
          `${prometheus}/api/v1/query?query=${encodeURIComponent('up{job="victorialogs"}')}`,
        );
        const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
        return body.data.result.map((r) => r.value[1]);
      },
      until: (values) => values.includes('1'),
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    expect(outcome.last).toEqual(['1']);
  });

  it('refuses Loki and Grafana from local images, saying to use official ones', async () => {
    await expect(
      startDockerStack({ outDir: 'out', images: 'local', logStore: 'loki', log: () => undefined }),
    ).rejects.toThrowError(/loki cannot run on --stack docker --images local: it is AGPL-3\.0/);
    await expect(
      startDockerStack({ outDir: 'out', images: 'local', grafana: true, log: () => undefined }),
    ).rejects.toThrowError(/grafana cannot run on --stack docker --images local/);
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
