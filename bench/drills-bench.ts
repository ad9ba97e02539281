import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Phase } from '../catalog/index.ts';
import { newRunId, pollUntil, type CheckResult } from '../core/index.ts';
import { startFleet } from '../mock-services/index.ts';
import { writeRulesProfile, type RenderedAlertRule, type RulesProfile } from '../stack/rules-profile.ts';
import { startLocalStack } from '../stack/index.ts';
import { drillTraffic, type DrillTrafficStats } from '../load/index.ts';
import {
  alertDrills,
  createClients,
  endpointsFromStack,
  type ValidationContext,
} from '../validators/index.ts';
import { machine, writeBench } from './util.ts';

export interface DrillSuiteOptions {
  phase?: Phase;
  outDir?: string;
  runId?: string;
  /** Drill only these alerts (default: every alert the phase requires). */
  alerts?: string[];
  /** Tests only: mutate the rendered alert rules (see writeRulesProfile). */
  editAlertRule?: (rule: RenderedAlertRule) => RenderedAlertRule;
  /** Tests only: mutate the rendered Alertmanager config (the parsed alertmanager.yml). */
  editAlertmanagerConfig?: (config: Record<string, unknown>) => Record<string, unknown>;
  log?: (line: string) => void;
}

export interface DrillSuiteRun {
  runId: string;
  profile: RulesProfile;
  results: CheckResult[];
  /** From the check's start to its end: steady-state watch plus every drill. */
  wallMs: number;
  stackReadyMs: number;
  traffic: DrillTrafficStats;
}

/**
 * The live drill rig: the time-compressed rules profile, Prometheus + Alertmanager (+ the webhook
 * sink) as local processes, the mock fleet scraped by them, the in-process drill traffic, then the
 * `alerts` drills of one phase. Everything started is disposed on the way out.
 */
export async function runDrillSuite(options: DrillSuiteOptions = {}): Promise<DrillSuiteRun> {
  const phase = options.phase ?? 2;
  const outDir = options.outDir ?? 'out';
  const runId = options.runId ?? newRunId();
  const log = options.log ?? (() => undefined);
  const profile = writeRulesProfile(join(resolve(outDir, runId), 'rules-profile'), {
    ...(options.editAlertRule ? { editAlertRule: options.editAlertRule } : {}),
  });
  const editAm = options.editAlertmanagerConfig;
  await using stack = await startLocalStack({
    runId,
    outDir,
    components: ['prometheus', 'alertmanager'],
    ruleFiles: profile.ruleFiles,
    timing: profile.timing,
    log,
    ...(editAm
      ? {
          editConfig: {
            alertmanager: (files) => ({
              ...files,
              'alertmanager.yml': stringify(
                editAm(parse(files['alertmanager.yml'] ?? '{}') as Record<string, unknown>),
              ),
            }),
          },
        }
      : {}),
  });
  await using fleet = await startFleet({ host: stack.scrapeTargetHost });
  stack.setScrapeTargets(fleet.scrapeTargets());
  const endpoints = endpointsFromStack(stack.endpoints());
  const clients = createClients(endpoints);
  // Every service scraped once, so a drill can find its target's instance label.
  const mine = new Set(fleet.scrapeTargets().flatMap((g) => g.targets));
  await pollUntil({
    description: 'fleet scraped',
    probe: async () =>
      ((await clients.prometheus?.targets()) ?? []).filter(
        (t) => mine.has(t.labels.instance ?? '') && t.health === 'up',
      ),
    until: (t) => t.length === fleet.services.size,
    timeoutMs: 20_000,
  });
  const traffic = drillTraffic({ entryUrl: fleet.entryUrl });
  const ctx: ValidationContext = {
    runId,
    phase,
    endpoints,
    clients,
    ingestTimeoutMs: 20_000,
    fleet,
    drills: { traffic, profile, ...(options.alerts ? { alerts: options.alerts } : {}) },
  };
  const started = Date.now();
  const results = await alertDrills(ctx);
  const wallMs = Date.now() - started;
  for (const r of results) log(`  ${r.status.padEnd(4)} ${r.id}: ${r.message}`);
  return { runId, profile, results, wallMs, stackReadyMs: stack.readyMs, traffic: traffic.stats() };
}

const TIMING_KEYS = ['msToPending', 'msToFiring', 'msToDelivered', 'msToResolved'] as const;

/**
 * `npm run bench -- drills`: wall time of the full phase-2 drill suite (steady-state watch plus
 * every drill, on the time-compressed profile) and each drill's stage timings.
 */
export async function drillsBench(log: (line: string) => void): Promise<string> {
  const run = await runDrillSuite({ phase: 2, outDir: 'out/bench-runs', log });
  const steady = run.results.find((r) => r.id === 'alerts.drill.steady-state');
  const drills = run.results.filter((r) => r.id.startsWith('alerts.drill.'));
  const data = {
    machine: machine(),
    phase: 2,
    profile: { timeScale: run.profile.timeScale, timing: run.profile.timing, mapping: run.profile.mapping },
    stackReadyMs: run.stackReadyMs,
    suiteWallMs: run.wallMs,
    steadyStateMs: steady?.durationMs,
    drillsWallMs: run.wallMs - (steady?.durationMs ?? 0),
    allPassed: run.results.every((r) => r.status === 'pass'),
    drills: drills.map((r) => ({
      alert: r.id.replace('alerts.drill.', ''),
      status: r.status,
      durationMs: r.durationMs,
      ...Object.fromEntries(TIMING_KEYS.map((k) => [k, r.evidence[k]])),
      ...(r.status === 'pass' ? {} : { message: r.message }),
    })),
    traffic: run.traffic,
  };
  log(
    `  phase-2 drill suite: ${(run.wallMs / 1000).toFixed(1)}s (steady state ${((steady?.durationMs ?? 0) / 1000).toFixed(1)}s)`,
  );
  return writeBench('drills', data);
}
