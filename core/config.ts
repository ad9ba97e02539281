import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { SCENARIO_NAMES } from '../scenarios/index.ts';
import { ConfigError } from './errors.ts';
import { rememberSecret } from './secrets.ts';

export const STACK_RUNNERS = ['local', 'docker', 'external'] as const;
/** The reporter names a config may list; reports/registry.ts must have a factory for each (checked by tsc). */
export const REPORTER_NAMES = ['html', 'json', 'junit', 'console', 'github'] as const;
export const PHASES = [1, 2, 3, 4] as const;
/** Log stores the logs checks speak to: VictoriaLogs (LogsQL, embedded) or Loki (LogQL, where the user has it). */
export const LOG_STORES = ['victorialogs', 'loki'] as const;
/**
 * Where the embedded Jaeger keeps traces: in memory (default: fast, but only the newest
 * JAEGER_MEMORY_MAX_TRACES), or on disk in Badger (every trace of a long or fast run, at some CPU).
 */
export const TRACE_STORES = ['memory', 'badger'] as const;
export type TraceStore = (typeof TRACE_STORES)[number];
/** The embedded Jaeger's in-memory store keeps this many traces; older ones are evicted. */
export const JAEGER_MEMORY_MAX_TRACES = 200_000;
/** Who sends the load: k6 when a binary is found (`auto`), the in-process engine (`node`), or k6 only. */
export const LOAD_ENGINES = ['auto', 'node', 'k6'] as const;
/**
 * The target label naming the Phoenix service behind a scrape target: the harness's Prometheus puts
 * it on the fleet's targets (never `service`: the metrics carry their own), the validators group
 * series by it, and it is the default of an external stack's `serviceLabel`.
 */
export const SERVICE_LABEL = 'phoenix_service';

const reporterEntry = z.union([
  z.enum(REPORTER_NAMES),
  z.tuple([z.enum(REPORTER_NAMES), z.record(z.string(), z.unknown())]),
]);

/** Endpoints and credentials of an existing stack (`--stack external`); nothing is started. */
const externalStackSchema = z
  .object({
    /**
     * The orchestrator's base URL as the load generators reach it (the scenarios' BASE_URL), e.g.
     * `http://orchestrator.phoenix.svc:8080` for k6-operator runners in the same cluster.
     */
    orchestrator: z.url().optional(),
    prometheus: z.url().optional(),
    alertmanager: z.url().optional(),
    loki: z.url().optional(),
    victorialogs: z.url().optional(),
    jaeger: z.url().optional(),
    grafana: z.url().optional(),
    otelCollector: z.url().optional(),
    otelCollectorMetrics: z.url().optional(),
    /** The label naming the service that exposes a series (the harness's own fleet uses phoenix_service). */
    serviceLabel: z.string().min(1).default(SERVICE_LABEL),
    /**
     * Prometheus job names where staging's differ from the embedded stack's (`opentelemetry-collector`,
     * `jaeger`, the log store's kind, `phoenix-services`): the pipeline checks look for the
     * Collector's and Jaeger's accepted/refused counters under these jobs.
     */
    jobs: z
      .object({
        collector: z.string().min(1),
        jaeger: z.string().min(1),
        logStore: z.string().min(1),
        services: z.string().min(1),
      })
      .partial()
      .strict()
      .optional(),
    /**
     * Extra headers per backend (keys: prometheus, loki, victorialogs, jaeger, grafana, alertmanager), e.g.
     * Authorization or X-Scope-OrgID. Write secrets as `${ENV_VAR}`: they are read from the
     * environment at run time and never written to reports.
     */
    headers: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  })
  .strict();

/** Replaces `${NAME}` in header values with the environment variable; a missing one is a ConfigError. */
export function expandEnvReferences(
  value: string,
  env: NodeJS.ProcessEnv = process.env,
  where = 'headers',
): string {
  return value.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) {
      throw new ConfigError(`${where}: the environment variable ${name} is not set`, {
        hint: `export ${name}=… before running`,
      });
    }
    // Read from the environment: a secret the report's redaction must mask wherever it shows up.
    rememberSecret(v);
    return v;
  });
}

/** A waiver's key: an exact check id, or a prefix ending in `.*`; no `*` anywhere else. */
const WAIVER_KEY = /^[^*\s]+(\.\*)?$/;

/** Generous: a default phase-4 run takes ≈ 3 min here; a soak scenario or a slow staging stack much longer. */
export const DEFAULT_DEADLINE_MS = 30 * 60_000;

export const harnessConfigSchema = z
  .object({
    /** The rollout phases this config declares; `--phase` defaults to the highest. */
    phases: z
      .array(z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]))
      .min(1)
      .default([1, 2, 3, 4]),
    /** Where run artifacts go: `<outDir>/<run-id>/`. */
    outDir: z.string().min(1).default('out'),
    /**
     * The whole `validate` run's deadline (stack, fleet, load, checks, reports): past it the run is
     * torn down and reported as interrupted ("deadline"), exit 2. `--deadline` overrides it.
     */
    deadlineMs: z.number().int().positive().default(DEFAULT_DEADLINE_MS),
    stack: z
      .object({
        runner: z.enum(STACK_RUNNERS).default('local'),
        /** Docker runner: official pinned images, or images built locally from the provisioned binaries. */
        images: z.enum(['official', 'local', 'auto']).default('auto'),
        startupTimeoutMs: z.number().int().positive().default(60_000),
        /** Pipeline probe deadline: how long telemetry may take to arrive. */
        ingestTimeoutMs: z.number().int().positive().default(30_000),
        /**
         * The log store the logs checks query. `victorialogs` (default) is embedded; `loki` needs an
         * external target or `--stack docker --images official` (Loki is AGPL: never built here).
         */
        logStore: z.enum(LOG_STORES).default('victorialogs'),
        /**
         * The embedded Jaeger's trace store. `memory` (default) keeps the newest 200 000 traces: a run
         * sending more (a soak, a long stress) needs `badger`, which keeps every trace on disk in the run's folder.
         */
        traceStore: z.enum(TRACE_STORES).default('memory'),
        /**
         * Start Grafana's official image (docker runner, official images only) and check dashboards
         * through it too. Without a Grafana the harness runs every panel's queries itself.
         */
        grafana: z.boolean().default(false),
        external: externalStackSchema.optional(),
      })
      .strict()
      .prefault({}),
    load: z
      .object({
        scenario: z.enum(SCENARIO_NAMES).default('smoke'),
        /** Target arrival rate (requests/s); default: the scenario's own (smoke 2/s, load 20/s…). */
        rate: z.number().positive().optional(),
        /** k6 duration; default: the scenario's own (smoke 10s, load 1m…). */
        duration: z
          .string()
          .regex(/^\d+(ms|s|m|h)$/, 'a k6 duration such as 30s or 5m')
          .optional(),
        /** `auto`: k6 when a binary is found (K6_BINARY, PATH), else the in-process engine. */
        engine: z.enum(LOAD_ENGINES).default('auto'),
        /** This process's share of the load, as k6 and k6-operator write it: `0:1/4`, `1/4:2/4`… */
        segment: z
          .string()
          .regex(/^(0|\d+\/\d+):(1|\d+\/\d+)$/, 'an execution segment such as 0:1/4 or 1/4:2/4')
          .optional(),
        /**
         * Run the scenario as this many engine processes, segments `0:1/N` … `(N-1)/N:1` (the data
         * path of N k6-operator runners), their ledgers merged into one before the checks.
         */
        workers: z.number().int().min(1).max(64).default(1),
      })
      .strict()
      .prefault({}),
    /**
     * Required checks that may end `skip` without failing the gate, each with the reason a person
     * reads in every report: `{ 'alerts.drill.HighErrorRate': 'no such fault on staging' }`. A key is
     * an exact check id, or a prefix ending in `.*` (`'alerts.drill.*'`: every check whose id starts
     * with `alerts.drill.`); no other glob form. A waiver covers `skip` only, never `fail` or `error`.
     */
    waive: z
      .record(z.string(), z.string().trim().min(1, 'a waiver needs a reason'))
      .superRefine((waivers, ctx) => {
        for (const key of Object.keys(waivers).filter((k) => !WAIVER_KEY.test(k)))
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'not a check id, nor a prefix ending in .* (alerts.drill.*)',
          });
      })
      .default({}),
    reporters: z.array(reporterEntry).default(['console', 'html', 'json', 'junit']),
    /** Relative regression criteria against `--baseline`. */
    baseline: z
      .object({
        p95IncreasePct: z.number().nonnegative().default(10),
        p99IncreasePct: z.number().nonnegative().default(15),
        errorRateIncrease: z.number().nonnegative().default(0.01),
        cardinalityGrowthPct: z.number().nonnegative().default(20),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type HarnessConfigInput = z.input<typeof harnessConfigSchema>;
export type HarnessConfig = z.output<typeof harnessConfigSchema>;

/** Typed helper for `harness.config.ts` (like vitest's and Playwright's). */
export function defineConfig(config: HarnessConfigInput): HarnessConfigInput {
  return config;
}

/** Turns one zod issue into "field: what is wrong (allowed: …)". */
export function describeConfigIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
    return `${field}: must be one of ${allowed}`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `${field === '(root)' ? '' : `${field}: `}unknown field(s) ${issue.keys.join(', ')}`;
  }
  if (issue.code === 'invalid_union' && field === 'phases') return `${field}: must be 1, 2, 3 or 4`;
  return `${field}: ${issue.message}`;
}

/** Validates a raw config object; throws a ConfigError naming each bad field. */
export function parseConfig(raw: unknown, source = 'harness.config.ts'): HarnessConfig {
  const result = harnessConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  - ${describeConfigIssue(issue)}`);
  throw new ConfigError(`invalid configuration in ${source}:\n${lines.join('\n')}`, {
    where: source,
    hint: 'fix the field(s) above; every field is optional and has a default (see README, "Configuration")',
  });
}

/**
 * Loads `harness.config.ts` (or the given file) and validates it. A missing default file means
 * "all defaults"; a missing explicit file is an error.
 */
export async function loadConfig(file?: string, cwd = process.cwd()): Promise<HarnessConfig> {
  const explicit = file !== undefined;
  const path = resolve(cwd, file ?? 'harness.config.ts');
  if (!existsSync(path)) {
    if (explicit)
      throw new ConfigError(`config file not found: ${path}`, { hint: 'pass an existing file to --config' });
    return parseConfig({}, '(defaults)');
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new ConfigError(`could not load ${path}: ${(error as Error).message}`, {
      where: path,
      hint: 'the file must be TypeScript/JavaScript that `export default defineConfig({...})`',
    });
  }
  return parseConfig(mod.default, path);
}

/**
 * Loki and Grafana are AGPL: the harness never builds or runs them itself. A config that asks for
 * them must say where they come from: the user's staging stack, or official images their Docker pulls.
 */
export function assertStackChoice(choice: {
  runner: (typeof STACK_RUNNERS)[number];
  images: 'official' | 'local' | 'auto';
  logStore: (typeof LOG_STORES)[number];
  grafana: boolean;
}): void {
  const wants = [
    ...(choice.logStore === 'loki' ? ['stack.logStore "loki"'] : []),
    ...(choice.grafana ? ['stack.grafana true'] : []),
  ];
  if (wants.length === 0 || choice.runner === 'external') return;
  if (choice.runner === 'docker' && choice.images === 'official') {
    // Grafana's image has no VictoriaLogs datasource without a plugin: its log panels would have nothing to query.
    if (choice.grafana && choice.logStore !== 'loki') {
      throw new ConfigError(
        'stack.grafana true needs stack.logStore "loki" on --stack docker: the official Grafana image has no VictoriaLogs datasource',
        { hint: 'add --log-store loki, or drop --grafana (the harness then runs every panel query itself)' },
      );
    }
    return;
  }
  throw new ConfigError(
    `${wants.join(' and ')} cannot run on --stack ${choice.runner}${choice.runner === 'docker' ? ` --images ${choice.images}` : ''}: Loki and Grafana are AGPL, so the harness never builds or runs them itself`,
    {
      hint: 'use --stack docker --images official (your Docker pulls the official images), or --stack external --target <config> for a stack you run; or drop the setting to use the embedded VictoriaLogs and the harness-run dashboard checks',
    },
  );
}
