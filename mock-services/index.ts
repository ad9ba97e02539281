/** The mock Phoenix fleet: 14 instrumented services and their fault-injection API (docs/fleet-api.md). */
export { startFleet, CONTAINER_PORT } from './start-fleet.ts';
export type { FleetOptions, StartedFleet, FleetServiceInfo, FleetScrapeTargetGroup } from './start-fleet.ts';
export { FAULT_NAMES, FAULT_DEFS, parseFault } from './fault-set.ts';
export type { Fault, FaultName } from './fault-set.ts';
export { MockService } from './mock-service.ts';
export { planFor } from './plan.ts';
export type { Plan, PlanStep } from './plan.ts';
export { parsePrometheusText, sumOf } from './prometheus-text.ts';
export type { Sample } from './prometheus-text.ts';
export { postJson, scrape, traceparent } from './testing.ts';
export type { JsonAnswer } from './testing.ts';
