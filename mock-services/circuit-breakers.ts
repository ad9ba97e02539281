import type { ServiceName } from '../catalog/index.ts';
import { BREAKER_STATE, BREAKER_TRANSITIONS, type ServiceMetrics } from './service-metrics.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** seed-003: 0 = closed, 1 = open, 2 = half-open. */
const STATE_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2 };

/** Service-specific breaker metrics the seed names; set when the catalog gives them to this service. */
const ORCHESTRATOR_BREAKER_STATE = 'phoenix_orchestrator_circuit_breaker_state';
const DATA_ROUTER_TRIPS = 'phoenix_data_router_circuit_breaker_trips_total';

/**
 * One circuit breaker per downstream service. They change state only through the
 * `circuit-breaker-open` fault (so accounting stays exact): open on set, half-open then closed on clear.
 */
export class CircuitBreakers {
  private readonly states = new Map<ServiceName, BreakerState>();
  private readonly openTargets = new Set<ServiceName>();

  constructor(
    private readonly peers: readonly ServiceName[],
    private readonly metrics: ServiceMetrics,
  ) {
    for (const peer of peers) this.states.set(peer, 'closed');
  }

  /** Every breaker starts closed, with its gauge at 0, so the series exist before anything trips. */
  init(): void {
    for (const peer of this.peers) this.publish(peer, 'closed');
  }

  isOpen(target: ServiceName): boolean {
    return this.openTargets.size > 0 && this.openTargets.has(target);
  }

  open(target: ServiceName): void {
    if (this.states.get(target) === 'open') return;
    this.transition(target, 'open');
    this.metrics.counter(DATA_ROUTER_TRIPS).inc({ service: target });
  }

  /** Recovers like a real breaker would after its probe succeeds: open → half-open → closed. */
  close(target: ServiceName): void {
    if (this.states.get(target) !== 'open') return;
    this.transition(target, 'half_open');
    this.transition(target, 'closed');
  }

  private transition(target: ServiceName, to: BreakerState): void {
    const from = this.states.get(target) ?? 'closed';
    this.states.set(target, to);
    if (to === 'open') this.openTargets.add(target);
    else this.openTargets.delete(target);
    this.metrics.counter(BREAKER_TRANSITIONS).inc({ service: target, from_state: from, to_state: to });
    this.publish(target, to);
  }

  private publish(target: ServiceName, state: BreakerState): void {
    this.metrics.gauge(BREAKER_STATE).set({ service: target }, STATE_VALUE[state]);
    this.metrics.gauge(ORCHESTRATOR_BREAKER_STATE).set({ service: target }, STATE_VALUE[state]);
  }
}
