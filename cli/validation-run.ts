import type { CheckResult } from '../core/index.ts';
import type { ScenarioRun } from '../load/index.ts';
import type { StartedStack } from '../stack/index.ts';
import type { BackendEndpoints, GateVerdict, MetricInventory } from '../validators/index.ts';
import type { InterruptInfo } from './interrupt.ts';

/** What one `validate` run produced, embedded or external: the input of the reports. */
export interface ValidationRun {
  runId: string;
  runDir: string;
  startedAt: Date;
  finishedAt: Date;
  results: CheckResult[];
  gate: GateVerdict;
  scenario: ScenarioRun | undefined;
  components: { name: string; version: string; url: string }[];
  links: { jaeger?: string; grafana?: string; prometheus?: string; loki?: string; victorialogs?: string };
  ledgerPath: string | undefined;
  stack: StartedStack | undefined;
  /** What Phoenix exposed during the run (for a later run's --baseline). */
  inventory?: MetricInventory;
  /** Set when the run stopped early (signal, deadline, crash): the results are partial. */
  interrupted?: InterruptInfo;
}

/** Links into the backends for the report (trace ids, PromQL, LogQL, panels). */
export function linksFrom(endpoints: BackendEndpoints): ValidationRun['links'] {
  const { jaeger, prometheus, loki, victorialogs, grafana } = endpoints;
  return {
    ...(jaeger ? { jaeger } : {}),
    ...(prometheus ? { prometheus } : {}),
    ...(loki ? { loki } : {}),
    ...(victorialogs ? { victorialogs } : {}),
    ...(grafana ? { grafana } : {}),
  };
}

/** The progress line after the checks: `62/64 checks pass`. */
export function checksPassLine(results: readonly CheckResult[]): string {
  return `${results.filter((r) => r.status === 'pass').length}/${results.length} checks pass`;
}
