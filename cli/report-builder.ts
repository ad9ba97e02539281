import { type AccountingRow, type CheckResult, type HarnessConfig } from '../core/index.ts';
import { readLedger } from '../load/index.ts';
import {
  RUN_REPORT_SCHEMA_VERSION,
  latencyFromLedgerStream,
  redactReport,
  redactSecrets,
  knownSecrets,
  type AlertDrill,
  type RunReport,
} from '../reports/index.ts';
import type { MetricInventory } from '../validators/index.ts';
import { engineLabel } from './run-validation.ts';
import type { ValidationRun } from './validation-run.ts';

type PerFlow = Record<string, { sent?: number; traced?: number; logged?: number; counted?: number }>;

/** The accounting funnel (sent → traced → logged → counted, per flow) from the checks' evidence. */
export function accountingFromResults(results: readonly CheckResult[]): AccountingRow[] {
  const evidenceOf = (id: string) =>
    results.find((r) => r.id === id)?.evidence.perFlow as PerFlow | undefined;
  const traced = evidenceOf('traces.completeness') ?? {};
  const logged = evidenceOf('logs.completeness') ?? {};
  const counted = evidenceOf('metrics.accounting') ?? {};
  const flows = [
    ...new Set([...Object.keys(traced), ...Object.keys(logged), ...Object.keys(counted)]),
  ].sort();
  return flows.map((flow) => ({
    flow,
    sent: traced[flow]?.sent ?? logged[flow]?.sent ?? counted[flow]?.sent ?? 0,
    traced: traced[flow]?.traced ?? 0,
    logged: logged[flow]?.logged ?? 0,
    counted: counted[flow]?.counted ?? 0,
  }));
}

type PerRunner = Record<string, { sent?: number; traced?: number; logged?: number }>;

/** The funnel per runner of a merged ledger, from the traces and logs completeness evidence. */
export function runnerAccountingFromResults(
  results: readonly CheckResult[],
  segments: ReadonlyMap<string, string> = new Map(),
): NonNullable<RunReport['accountingByRunner']> {
  const evidenceOf = (id: string) =>
    (results.find((r) => r.id === id)?.evidence.perRunner as PerRunner | undefined) ?? {};
  const traced = evidenceOf('traces.completeness');
  const logged = evidenceOf('logs.completeness');
  const runners = [...new Set([...Object.keys(traced), ...Object.keys(logged)])].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  return runners.map((runner) => {
    const segment = segments.get(runner);
    return {
      runner,
      ...(segment === undefined ? {} : { segment }),
      sent: traced[runner]?.sent ?? logged[runner]?.sent ?? 0,
      traced: traced[runner]?.traced ?? 0,
      logged: logged[runner]?.logged ?? 0,
    };
  });
}

/** Alert drill timelines from the alert checks' evidence (msToPending, msToFiring, …). */
export function drillsFromResults(results: readonly CheckResult[]): AlertDrill[] {
  return results
    .filter((r) => r.family === 'alerts' && typeof r.evidence.alert === 'string' && r.evidence.startedAt)
    .map((r) => {
      const e = r.evidence as Record<string, unknown>;
      const drill: AlertDrill = {
        alert: String(e.alert),
        receiver: Array.isArray(e.receivers) ? e.receivers.join(', ') : String(e.receiver ?? ''),
        startedAt: String(e.startedAt),
        status: r.status,
      };
      const stages = {
        pendingMs: 'msToPending',
        firingMs: 'msToFiring',
        deliveredMs: 'msToDelivered',
        resolvedMs: 'msToResolved',
      } as const;
      for (const [field, key] of Object.entries(stages) as [keyof typeof stages, string][]) {
        if (typeof e[key] === 'number') drill[field] = e[key];
      }
      return drill;
    });
}

/** Which way the dashboards family ran, from its checks' evidence (`path: 'grafana' | 'harness'`). */
function dashboardsPathOf(results: readonly CheckResult[]): Pick<RunReport, 'dashboardsPath'> {
  const path = results.find((r) => r.family === 'dashboards' && typeof r.evidence.path === 'string')?.evidence
    .path;
  return path === 'grafana' || path === 'harness' ? { dashboardsPath: path } : {};
}

function runnerAccounting(run: ValidationRun): Pick<RunReport, 'accountingByRunner'> {
  const segments = new Map((run.scenario?.workers ?? []).map((w) => [w.name, w.segment]));
  const rows = runnerAccountingFromResults(run.results, segments);
  return rows.length === 0 ? {} : { accountingByRunner: rows };
}

/**
 * Builds the versioned run report every reporter serializes, with every secret masked (one
 * redaction, reports/redact.ts, before any reporter sees it): `${ENV}` header values, the stack's
 * per-run credentials, AUTH_TOKEN, credentials in URLs, bearer tokens.
 */
export async function buildRunReport(
  run: ValidationRun,
  extra: Parameters<typeof assembleRunReport>[1],
): Promise<RunReport> {
  return redactReport(await assembleRunReport(run, extra), knownSecrets(extra.config));
}

async function assembleRunReport(
  run: ValidationRun,
  extra: { config: HarnessConfig; scenarioName?: string; inventory?: MetricInventory; baselinePath?: string },
): Promise<RunReport> {
  const requiredIds = new Set(run.gate.required);
  const latency = run.ledgerPath ? await latencyFromLedgerStream(readLedger(run.ledgerPath)) : undefined;
  return {
    schemaVersion: RUN_REPORT_SCHEMA_VERSION,
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    phase: run.gate.phase,
    // An interrupted run is never judged: its results are partial.
    verdict: run.interrupted ? 'error' : run.gate.verdict,
    gate: {
      phase: run.gate.phase,
      required: run.gate.required,
      failedRequired: run.gate.failedRequired,
      skippedRequired: run.gate.skippedRequired,
      waived: run.gate.waived,
      waiverWarnings: run.gate.waiverWarnings,
    },
    checks: run.results.map((r) => ({ ...r, required: requiredIds.has(r.id) })),
    accounting: accountingFromResults(run.results),
    ...runnerAccounting(run),
    ...(latency ? { latency } : {}),
    drills: drillsFromResults(run.results),
    components: [
      ...run.components,
      ...(run.scenario
        ? [{ name: `load engine: ${run.scenario.engine}`, version: run.scenario.k6Version ?? 'built in' }]
        : []),
    ],
    config: redactSecrets(extra.config),
    ...(run.scenario
      ? {
          scenario: {
            name: extra.scenarioName ?? 'unknown',
            engine: engineLabel(run.scenario),
            ...(run.scenario.segment ? { segment: run.scenario.segment } : {}),
            ...(run.scenario.workers ? { workers: run.scenario.workers.length } : {}),
            ...(run.scenario.thresholdsBound ? { thresholdsBound: run.scenario.thresholdsBound } : {}),
            exitCode: run.scenario.exitCode,
            thresholdFailures: run.scenario.thresholdFailures.map(({ metric, threshold }) => ({
              metric,
              threshold,
            })),
          },
        }
      : {}),
    ...(extra.baselinePath
      ? {
          baseline: {
            path: extra.baselinePath,
            criteria: run.results.filter((r) => r.family === 'baseline').map((r) => r.id),
          },
        }
      : {}),
    links: run.links,
    ...dashboardsPathOf(run.results),
    ...(extra.inventory ? { inventory: extra.inventory } : {}),
    ...(run.interrupted ? { interrupted: run.interrupted } : {}),
  };
}
