/**
 * The four rollout phases of seed 000 ("Implementation Phases" and "Implementation Checklist") as
 * gates: what each phase adds. A gate at phase N requires everything of phases 1..N (`requiredFor`).
 *
 * Services: phase 1 instruments orchestrator-service and data-router; phase 2 the LLM, KB, safety
 * and executor services, plus tools-service, context-manager and reflection, which plan_and_execute
 * calls (its traces cannot be complete without them). logging-service is in no flow and no checklist:
 * phase 4 ("anything left").
 * Metrics, rules, alerts, dashboards and flows carry their own `phase`; this file only groups them.
 */
import { DASHBOARDS } from './dashboards.ts';
import { FLOWS } from './flows.ts';
import { METRICS } from './metrics.ts';
import { ALERT_RULES, RECORDING_RULES } from './rules.ts';
import { KB_SERVICES, PHASE_NUMBERS } from './types.ts';
import type { FlowDef, FlowName, MetricDef, Phase, PhaseDef, ServiceName } from './types.ts';

const PHASE_NAMES: Readonly<Record<Phase, string>> = {
  1: 'Foundation',
  2: 'Core Capabilities',
  3: 'Advanced Features',
  4: 'Optimization',
};

const PHASE_SERVICES: Readonly<Record<Phase, readonly ServiceName[]>> = {
  1: ['orchestrator-service', 'data-router'],
  2: [
    'llm-service',
    ...KB_SERVICES,
    'safety-service',
    'executor',
    'tools-service',
    'context-manager',
    'reflection',
  ],
  3: [],
  4: ['logging-service'],
};

export const ROLLOUT_PHASES: readonly PhaseDef[] = PHASE_NUMBERS.map((phase) => ({
  phase,
  name: PHASE_NAMES[phase],
  services: PHASE_SERVICES[phase],
  metrics: METRICS.filter((m) => m.phase === phase).map((m) => m.name),
  recordingRules: RECORDING_RULES.filter((r) => r.phase === phase).map((r) => r.record),
  alerts: ALERT_RULES.filter((a) => a.phase === phase).map((a) => a.alert),
  dashboards: DASHBOARDS.filter((d) => d.phase === phase).map((d) => d.uid),
  flows: FLOWS.filter((f) => f.phase === phase).map((f) => f.name),
}));

export function phaseDef(phase: Phase): PhaseDef {
  const def = ROLLOUT_PHASES.find((p) => p.phase === phase);
  if (!def) throw new Error(`no phase ${phase}`);
  return def;
}

/** Everything phases 1..`phase` require (a phase gate). */
export interface PhaseRequirements {
  phase: Phase;
  services: ServiceName[];
  metrics: string[];
  recordingRules: string[];
  alerts: string[];
  dashboards: string[];
  flows: FlowName[];
}

export function requiredFor(phase: Phase): PhaseRequirements {
  const upTo = ROLLOUT_PHASES.filter((p) => p.phase <= phase);
  return {
    phase,
    services: upTo.flatMap((p) => p.services),
    metrics: upTo.flatMap((p) => p.metrics),
    recordingRules: upTo.flatMap((p) => p.recordingRules),
    alerts: upTo.flatMap((p) => p.alerts),
    dashboards: upTo.flatMap((p) => p.dashboards),
    flows: upTo.flatMap((p) => p.flows),
  };
}

/**
 * The (metric, service) pairs a gate at `phase` checks: a metric is required on a service when the
 * metric's phase and the service's phase are both reached (the middleware metrics are phase 1 but
 * llm-service only has to expose them from phase 2).
 */
export function requiredSeries(phase: Phase): { metric: MetricDef; service: ServiceName }[] {
  const services = new Set(requiredFor(phase).services);
  return METRICS.filter((m) => m.phase <= phase).flatMap((metric) =>
    metric.services.filter((s) => services.has(s)).map((service) => ({ metric, service })),
  );
}

/**
 * What a gate at `phase` checks of a flow's traces: its spans, hops and services restricted to the
 * services instrumented by then (at phase 1, plan_and_execute is checked on orchestrator-service and
 * data-router only: their server and client spans and the hop between them).
 */
export function flowAtPhase(flow: FlowDef, phase: Phase): FlowDef {
  const services = new Set(requiredFor(phase).services);
  const variableHops = (flow.variableHops ?? [])
    .filter((h) => services.has(h.from))
    .map((h) => ({ ...h, anyOf: h.anyOf.filter((s) => services.has(s)) }))
    .filter((h) => h.anyOf.length > 0);
  return {
    ...flow,
    hops: flow.hops.filter((h) => services.has(h.from) && services.has(h.to)),
    variableHops,
    services: flow.services.filter((s) => services.has(s)),
    spans: flow.spans.filter((s) => services.has(s.service)),
  };
}
