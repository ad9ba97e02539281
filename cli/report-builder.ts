import type { AccountingRow, CheckResult, HarnessConfig } from '../core/index.ts';
import { readLedger } from '../load/index.ts';
import {
  RUN_REPORT_SCHEMA_VERSION,
  latencyFromLedgerStream,
  redactSecrets,
  type AlertDrill,
  type RunReport,
} from '../reports/index.ts';
import type { MetricInventory } from '../validators/index.ts';
import { engineLabel, type ValidationRun } from './run-validation.ts';

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

/** Builds the versioned run report every reporter serializes. */
export async function buildRunReport(
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
    verdict: run.gate.verdict,
    gate: { phase: run.gate.phase, required: run.gate.required, failedRequired: run.gate.failedRequired },
    checks: run.results.map((r) => ({ ...r, required: requiredIds.has(r.id) })),
    accounting: accountingFromResults(run.results),
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
  };
}
