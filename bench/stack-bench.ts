import {
  COMPONENT_SPECS,
  listProvisioned,
  startDockerStack,
  startLocalStack,
  startProbeTarget,
  STACK_COMPONENTS,
  type StackComponentName,
} from '../stack/index.ts';
import { createClients, endpointsFromStack, pipelineProbe } from '../validators/index.ts';
import { spawnSync } from 'node:child_process';
import { machine, median, peakRssMiB, writeBench } from './util.ts';

const STARTS = 5;
/** Issue 14's warm ready goals on the 2-core machine (medians of STARTS). */
const GOAL_LOCAL_MS = 2_000;
const GOAL_DOCKER_MS = 10_000;

/**
 * `npm run bench -- stack`: the embedded set (Jaeger, VictoriaLogs, Prometheus, Alertmanager, the
 * Collector). Cold build time per component (from the provisioning manifests, when it had to
 * build), warm ready time per component and for the whole stack (median of 5 starts), peak RSS per
 * component after a pipeline probe has pushed data through it; then the same ready times for the
 * docker runner with local FROM-scratch images.
 */
export async function stackBench(log: (line: string) => void): Promise<string> {
  const listed = await listProvisioned();
  const coldBuildSeconds = Object.fromEntries(
    listed.filter((r) => r.buildSeconds !== null).map((r) => [r.component, r.buildSeconds]),
  );
  const readyMs: Record<string, number[]> = {};
  const rssMiB: Record<string, number[]> = {};
  const total: number[] = [];
  for (let i = 1; i <= STARTS; i++) {
    const stack = await startLocalStack({ outDir: 'out/bench-runs', log: () => undefined });
    try {
      total.push(stack.readyMs);
      for (const c of stack.components.values()) (readyMs[c.name] ??= []).push(c.readyMs);
      const endpoints = endpointsFromStack(stack.endpoints());
      await using probeTarget = await startProbeTarget({ host: stack.scrapeTargetHost });
      const results = await pipelineProbe({
        runId: stack.runId,
        phase: 1,
        endpoints,
        clients: createClients(endpoints),
        ingestTimeoutMs: 30_000,
        probeTarget,
        registerScrapeTargets: (g) => stack.setScrapeTargets(g),
      });
      const failed = results.filter((r) => r.status !== 'pass');
      if (failed.length) log(`  start ${i}: probe not clean: ${failed.map((r) => r.message).join('; ')}`);
      for (const c of stack.components.values()) {
        const rss = peakRssMiB(c.pid);
        if (rss !== undefined) (rssMiB[c.name] ??= []).push(rss);
      }
      log(`  start ${i}/${STARTS}: whole stack ready in ${stack.readyMs}ms`);
    } finally {
      await stack[Symbol.asyncDispose]();
    }
  }
  const perComponent = Object.fromEntries(
    (STACK_COMPONENTS as readonly StackComponentName[]).map((name) => [
      name,
      {
        warmReadyMsMedian: median(readyMs[name] ?? []),
        warmReadyMsSamples: readyMs[name] ?? [],
        peakRssMiB: Math.max(...(rssMiB[name] ?? [Number.NaN])),
      },
    ]),
  );
  for (const [name, c] of Object.entries(perComponent)) {
    const source = COMPONENT_SPECS[name as StackComponentName].source;
    const cold = 'provisioned' in source ? coldBuildSeconds[source.provisioned] : undefined;
    log(
      `  ${name.padEnd(15)} warm ready ${c.warmReadyMsMedian}ms median [${c.warmReadyMsSamples.join(', ')}], ` +
        `peak RSS ${c.peakRssMiB} MiB, cold build ${cold === undefined ? 'not built by provisioning here' : `${cold}s`}`,
    );
  }
  log(`  whole stack     warm ready ${median(total)}ms median [${total.join(', ')}]`);
  log('  docker runner (local images):');
  const docker = await dockerReady(log);
  return writeBench('stack', {
    machine: machine(),
    runner: 'local',
    componentsStarted: [...STACK_COMPONENTS],
    starts: STARTS,
    wholeStack: {
      warmReadyMsMedian: median(total),
      samples: total,
      goal: { ms: GOAL_LOCAL_MS, met: median(total) <= GOAL_LOCAL_MS },
    },
    docker,
    components: perComponent,
    coldBuildSeconds,
    notes:
      'coldBuildSeconds lists components built by `npm run stack:provision` on this machine (absent when installed from apt or built outside it). ' +
      'Component ready times count from the start call, so they include launching the components before it.',
  });
}

/** The docker runner's warm whole-stack ready time (local images already built), median of 5; goal ≤ 10 s. */
async function dockerReady(log: (line: string) => void): Promise<Record<string, unknown>> {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0)
    return { skipped: 'no Docker daemon answers' };
  // One start first so every local image exists: the figure is the warm one.
  await (
    await startDockerStack({ outDir: 'out/bench-runs', images: 'local', log: () => undefined })
  )[Symbol.asyncDispose]();
  const samples: number[] = [];
  const perComponent: Record<string, number[]> = {};
  for (let i = 1; i <= STARTS; i++) {
    const stack = await startDockerStack({ outDir: 'out/bench-runs', images: 'local', log: () => undefined });
    samples.push(stack.readyMs);
    for (const c of stack.components.values()) (perComponent[c.name] ??= []).push(c.readyMs);
    await stack[Symbol.asyncDispose]();
    log(`  docker start ${i}/${STARTS}: whole stack ready in ${stack.readyMs}ms`);
  }
  const components = Object.fromEntries(
    Object.entries(perComponent).map(([k, v]) => [k, { warmReadyMsMedian: median(v), samples: v }]),
  );
  for (const [name, c] of Object.entries(components))
    log(`  ${name.padEnd(15)} warm ready ${c.warmReadyMsMedian}ms median [${c.samples.join(', ')}]`);
  log(`  whole stack     warm ready ${median(samples)}ms median [${samples.join(', ')}]`);
  return {
    images: 'local',
    warmReadyMsMedian: median(samples),
    samples,
    goal: { ms: GOAL_DOCKER_MS, met: median(samples) <= GOAL_DOCKER_MS },
    components,
  };
}
