/**
 * One validation run as a library call: the checks (validators/) against a started stack and fleet
 * or an external one, judged by a phase gate. What the checks need started (the pipeline probe's
 * scrape target, the drills' traffic) is started here and stopped before validate() returns:
 * checks never start or stop anything.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Phase } from '../catalog/index.ts';
import {
  HarnessError,
  JAEGER_MEMORY_MAX_TRACES,
  Teardown,
  newRunId,
  type Check,
  type CheckResult,
  type HarnessConfig,
  type LedgerSource,
} from '../core/index.ts';
import { drillTraffic, readLedger } from '../load/index.ts';
import {
  DEFAULT_RULE_GLOBS,
  PRODUCTION_TIMING,
  alertmanagerConfig,
  requireProvisioned,
  startProbeTarget,
} from '../stack/index.ts';
import {
  VALIDATORS,
  VALIDATOR_FAMILIES,
  createClients,
  evaluateGate,
  runValidatorIsolated,
  runValidators,
  type BackendEndpoints,
  type GateVerdict,
  type LogStoreKind,
  type ScrapeJobs,
  type ValidationContext,
  type ValidatorName,
} from '../validators/index.ts';
import type { StartedObservabilityStack } from './observability-stack.ts';
import type { StartedPhoenixFleet } from './phoenix-fleet.ts';

/** A stack the harness did not start (staging): endpoints, headers, and how it names things. */
export interface ExternalStack {
  runner: 'external';
  endpoints: BackendEndpoints;
  /** Extra HTTP headers per backend (Authorization, X-Scope-OrgID…), already expanded. */
  headers?: Partial<Record<keyof BackendEndpoints, Record<string, string>>>;
  /** The label naming the service behind a series (default `phoenix_service`). */
  serviceLabel?: string;
  /** Prometheus job names where they differ from the embedded stack's. */
  jobs?: Partial<ScrapeJobs>;
  /** Which log store the logs checks query when both are given. */
  logStore?: LogStoreKind;
  /**
   * Check these rule files (globs allowed) instead of the rules the stack's Prometheus has loaded.
   * Alertmanager's config is always the stack's own.
   */
  rules?: string[];
}

/** The whole stack config's external section, as validate() takes it. */
export function externalStack(
  external: NonNullable<HarnessConfig['stack']['external']>,
  options: { headers?: ExternalStack['headers']; logStore?: LogStoreKind; rules?: string[] } = {},
): ExternalStack {
  const endpoints: BackendEndpoints = {
    ...(external.prometheus ? { prometheus: external.prometheus } : {}),
    ...(external.loki ? { loki: external.loki } : {}),
    ...(external.victorialogs ? { victorialogs: external.victorialogs } : {}),
    ...(external.jaeger ? { jaeger: external.jaeger } : {}),
    ...(external.grafana ? { grafana: external.grafana } : {}),
    ...(external.alertmanager ? { alertmanager: external.alertmanager } : {}),
    ...(external.otelCollector ? { otelCollector: external.otelCollector } : {}),
    ...(external.otelCollectorMetrics ? { otelCollectorMetrics: external.otelCollectorMetrics } : {}),
  };
  return {
    runner: 'external',
    endpoints,
    serviceLabel: external.serviceLabel,
    ...(external.jobs ? { jobs: external.jobs } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.logStore ? { logStore: options.logStore } : {}),
    ...(options.rules?.length ? { rules: options.rules } : {}),
  };
}

export interface ValidateOptions {
  /** The rollout phase gate: phase N requires every check of phases 1..N. */
  phase: Phase;
  stack: StartedObservabilityStack | ExternalStack;
  /** The fleet under test; without it the live alert drills skip. */
  fleet?: StartedPhoenixFleet;
  /** The requests sent (a ledger.jsonl path, or a LedgerSource); checks accounting for requests skip without it. */
  ledger?: string | LedgerSource;
  /** The run window; default: the ledger's first request − 1 s to its last answer + 1 s. */
  window?: { start: Date; end: Date };
  /** Which validators run (default: all). */
  validators?: ValidatorName[];
  /** Required checks that may be skipped, with the reason (harness.config.ts `waive`). */
  waive?: Readonly<Record<string, string>>;
  /** How long telemetry may take to arrive before a check gives up (default 30 000 ms). */
  ingestTimeoutMs?: number;
  /** Checks judged with the validators' (e.g. the load's threshold breaches), listed after them. */
  extraChecks?: CheckResult[];
  /** The run id checks and probes carry (default: the stack's, or a fresh one). */
  runId?: string;
  /** Where the offline alert checks' files go (default: the stack's run folder, or `out/<runId>`). */
  runDir?: string;
  /** Checks are added here as each validator finishes, so a caller that aborts keeps what finished. */
  results?: CheckResult[];
  /** Aborting stops waiting: validate() rejects with the signal's reason (`results` holds what finished). */
  signal?: AbortSignal;
  onValidatorDone?: (name: ValidatorName, ms: number) => void;
  /**
   * Checks started earlier by validateAhead() (the ones the run's traffic cannot change, started
   * while the fleet starts and the load runs): validate() does not run them again, it waits for
   * them and judges them with the rest.
   */
  ahead?: ValidationAhead;
}

export interface ValidationOutcome {
  /** Every check, sorted by id (then `extraChecks`). */
  checks: CheckResult[];
  gate: GateVerdict;
}

/**
 * Validators run one at a time, in this order, after all the others: the live alert drills switch
 * faults on, and the metrics that only those faults produce (on-event) are checked after them.
 */
const POST_LOAD_ORDER: ValidatorName[] = ['alerts.drill', 'metrics.on-event'];

const DEFAULT_INGEST_TIMEOUT_MS = 30_000;

/** Runs the checks against the stack and judges the phase gate. */
export async function validate(options: ValidateOptions): Promise<ValidationOutcome> {
  const teardown = new Teardown();
  const results = options.results ?? [];
  try {
    const { ahead } = options;
    // A context validateAhead() could not make (the probe listener cannot bind) fails the run as here.
    await ahead?.started;
    const ctx = await contextFor(options, teardown);
    const names = options.validators ?? (Object.keys(VALIDATORS) as ValidatorName[]);
    const onDone = options.onValidatorDone;
    await runValidators<ValidatorName, ValidationContext>({
      validators: ahead ? { ...VALIDATORS, ...ahead.awaiters() } : VALIDATORS,
      families: VALIDATOR_FAMILIES,
      names: ahead ? [...new Set([...names, ...ahead.names])] : names,
      last: POST_LOAD_ORDER,
      ctx,
      into: results,
      ...(options.signal ? { signal: options.signal } : {}),
      // A validator run ahead reports how long it took itself, not how long validate() waited for it.
      ...(onDone ? { onDone: (name, ms) => onDone(name, ahead?.took(name) ?? ms) } : {}),
    });
    await ahead?.settled;
  } finally {
    await teardown.disposeAsync();
  }
  results.sort((a, b) => a.id.localeCompare(b.id));
  if (options.extraChecks) results.push(...options.extraChecks);
  return { checks: results, gate: evaluateGate(results, options.phase, options.waive) };
}

/**
 * Validators whose checks the run's traffic cannot change: the offline alert checks read the repo's
 * rule files and the rendered Alertmanager config; the pipeline probe sends its own span, log
 * record, metric and alert under its own service name and scrape pool. validateAhead() starts
 * them as soon as the stack is up, so they overlap the fleet's start and the load.
 */
export const TRAFFIC_INDEPENDENT_VALIDATORS = [
  'alerts.offline',
  'pipeline.probe',
] as const satisfies readonly ValidatorName[];

/** Checks started by validateAhead(), handed to validate() as `ahead`. */
export interface ValidationAhead {
  /** The validators started ahead: validate() waits for these instead of running them. */
  readonly names: readonly ValidatorName[];
  /** Rejects (handled until validate() awaits it) when the checks' context cannot be made. */
  readonly started: Promise<void>;
  /** Resolves once every validator started ahead has finished and what they used is stopped. */
  readonly settled: Promise<void>;
  /** Checks that wait for the ones started ahead, in place of those validators. */
  awaiters(): Partial<Record<ValidatorName, Check<ValidationContext>>>;
  /** How long a validator started ahead took, once it finished. */
  took(name: ValidatorName): number | undefined;
}

/**
 * Starts the TRAFFIC_INDEPENDENT_VALIDATORS among `validators` (default: all) against a started
 * embedded stack, before the load; pass the result to validate() as `ahead`. Nothing is awaited
 * here: each check runs isolated (a throw becomes its `error` check), so nothing rejects unseen.
 */
export function validateAhead(
  options: Pick<ValidateOptions, 'phase' | 'validators' | 'ingestTimeoutMs' | 'runId' | 'runDir'> & {
    stack: StartedObservabilityStack;
  },
): ValidationAhead {
  const wanted = options.validators ?? (Object.keys(VALIDATORS) as ValidatorName[]);
  const names = TRAFFIC_INDEPENDENT_VALIDATORS.filter((n) => wanted.includes(n));
  const teardown = new Teardown();
  // None of them wanted: nothing is started (no probe listener, no offline files).
  const context = names.length ? contextFor(options, teardown) : Promise.resolve(undefined);
  const durations = new Map<ValidatorName, number>();
  const checks = new Map(
    names.map((name) => [
      name,
      context.then(async (ctx) => {
        if (!ctx) return [];
        const started = Date.now();
        const results = await runValidatorIsolated(name, VALIDATOR_FAMILIES[name], VALIDATORS[name], ctx);
        durations.set(name, Date.now() - started);
        return results;
      }),
    ]),
  );
  const started = context.then(() => undefined);
  const settled = Promise.allSettled(checks.values()).then(() => teardown.disposeAsync());
  // Until validate() awaits them, a failed start must not be an unhandled rejection.
  for (const p of [started, settled, ...checks.values()]) p.catch(() => undefined);
  return {
    names,
    started,
    settled,
    awaiters: () => Object.fromEntries([...checks].map(([name, pending]) => [name, () => pending])),
    took: (name) => durations.get(name),
  };
}

/** What every check receives, for the embedded stack or an external one. */
async function contextFor(options: ValidateOptions, teardown: Teardown): Promise<ValidationContext> {
  const { stack } = options;
  const ledger = typeof options.ledger === 'string' ? ledgerAt(options.ledger) : options.ledger;
  const window = options.window ?? (ledger ? (await ledgerWindow(ledger, options.signal)).window : undefined);
  const common = {
    phase: options.phase,
    ingestTimeoutMs: options.ingestTimeoutMs ?? DEFAULT_INGEST_TIMEOUT_MS,
    ...(ledger ? { ledger } : {}),
    ...(window ? { window } : {}),
  };
  if (stack.runner === 'external') {
    const runId = options.runId ?? newRunId();
    return {
      ...common,
      runId,
      endpoints: stack.endpoints,
      clients: createClients(stack.endpoints, stack.headers, {
        ...(stack.logStore ? { logStore: stack.logStore } : {}),
      }),
      ...(stack.serviceLabel ? { serviceLabel: stack.serviceLabel } : {}),
      ...(stack.jobs ? { scrapeJobs: stack.jobs } : {}),
      ...offlineAlertInputs(options.runDir ?? resolve('out', runId)),
      // The stack's own rules and Alertmanager config, unless `rules` names files to check instead.
      ...(stack.rules?.length ? { ruleFiles: stack.rules } : {}),
      alertSources: { rules: stack.rules?.length ? 'files' : 'stack', alertmanager: 'stack' },
    };
  }
  // The pipeline probe's scrape target: started here (checks start nothing), stopped when validate() ends.
  const probeTarget = teardown.use(await startProbeTarget({ host: stack.handle.scrapeTargetHost }));
  const { fleet } = options;
  return {
    ...common,
    runId: options.runId ?? stack.runId,
    endpoints: stack.endpoints,
    clients: stack.clients(),
    // Jaeger's in-memory store evicts past its capacity: a run sending more is told why traces are missing.
    ...(stack.traceStore === 'memory' ? { traceStoreCapacity: JAEGER_MEMORY_MAX_TRACES } : {}),
    probeTarget,
    registerScrapeTargets: (groups) => stack.handle.setScrapeTargets(groups, 'harness-probes'),
    ...offlineAlertInputs(options.runDir ?? stack.runDir),
    ...(fleet
      ? {
          fleet,
          drills: {
            traffic: drillTraffic({ entryUrl: fleet.entryUrl }),
            profile: { timeScale: stack.rules.timeScale, timing: stack.rules.timing },
          },
        }
      : {}),
  };
}

/** A ledger.jsonl on disk, read as often as the checks need. */
export function ledgerAt(path: string): LedgerSource {
  const absolute = resolve(path);
  return { path: absolute, read: () => readLedger(absolute) };
}

/**
 * How many requests a ledger holds and the window they span (first request − 1 s to last answer +
 * 1 s); a ledger without requests is a HarnessError (every check would examine nothing).
 */
export async function ledgerWindow(
  ledger: LedgerSource,
  signal?: AbortSignal,
): Promise<{ requests: number; window: { start: Date; end: Date } }> {
  let first = Infinity;
  let last = -Infinity;
  let requests = 0;
  for await (const e of ledger.read()) {
    signal?.throwIfAborted();
    first = Math.min(first, e.startMs);
    last = Math.max(last, e.startMs + e.durationMs);
    requests += 1;
  }
  if (requests === 0) throw noTraffic(ledger.path, 'pass the ledger.jsonl of a run that sent traffic');
  return { requests, window: { start: new Date(first - 1_000), end: new Date(last + 1_000) } };
}

/** A ledger without requests: every check would examine nothing, so the run cannot be judged (exit 2). */
export function noTraffic(ledgerPath: string | undefined, hint: string): HarnessError {
  return new HarnessError(
    `no traffic was sent: the ledger ${ledgerPath ?? '(none written)'} holds no requests`,
    {
      ...(ledgerPath ? { where: ledgerPath } : {}),
      hint,
    },
  );
}

/**
 * What the offline alert checks run on: the production-scale rule files (never a time-compressed
 * profile), the Alertmanager config rendered at production timings, and the provisioned tools.
 */
function offlineAlertInputs(
  runDir: string,
): Pick<ValidationContext, 'ruleFiles' | 'alertmanagerConfigFile' | 'tools'> {
  const dir = join(runDir, 'offline');
  mkdirSync(dir, { recursive: true });
  const alertmanagerConfigFile = join(dir, 'alertmanager.yml');
  writeFileSync(
    alertmanagerConfigFile,
    stringify(alertmanagerConfig({ peer: () => 'webhook-sink:9099', timing: PRODUCTION_TIMING })),
  );
  return {
    ruleFiles: DEFAULT_RULE_GLOBS,
    alertmanagerConfigFile,
    tools: {
      promtool: requireProvisioned('prometheus').binaries.promtool,
      amtool: requireProvisioned('alertmanager').binaries.amtool,
    },
  };
}
