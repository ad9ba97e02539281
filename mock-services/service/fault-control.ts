import type { ServiceName } from '../../catalog/index.ts';
import type { Behaviour } from '../behaviour.ts';
import type { CircuitBreakers } from '../circuit-breakers.ts';
import {
  parseFault,
  type Fault,
  type FaultName,
  type FaultParseResult,
  type FaultSet,
} from '../fault-set.ts';
import type { ServiceMetrics } from '../service-metrics.ts';

/**
 * Switches one service's faults on and off: validates them for this service and applies the
 * side effects some have (hidden metrics, an extra label, a circuit breaker's state).
 */
export class FaultControl {
  constructor(
    private readonly service: ServiceName,
    private readonly faults: FaultSet,
    private readonly behaviour: Pick<Behaviour, 'peers' | 'checkFault'>,
    private readonly metrics: ServiceMetrics,
    private readonly breakers: CircuitBreakers,
  ) {}

  /** Validates and switches on one fault (`{ name, ...params }`), with its side effects. */
  async set(input: unknown): Promise<FaultParseResult> {
    const parsed = parseFault(input, {
      service: this.service,
      peers: this.behaviour.peers,
      metricNames: this.metrics.names(),
      requestLabelNames: this.metrics.requestLabelNames(),
    });
    if (!parsed.ok) return parsed;
    const rejected = this.behaviour.checkFault?.(parsed.fault);
    if (rejected) return { ok: false, ...rejected };
    const previous = this.faults.set(parsed.fault);
    await this.applySideEffects(parsed.fault.name, previous, parsed.fault);
    return parsed;
  }

  /** Clears one fault, or all when no name is given. */
  async clear(name?: FaultName): Promise<void> {
    const names = name ? [name] : this.faults.list().map((f) => f.name);
    for (const n of names) {
      const previous = this.faults.clear(n);
      if (previous) await this.applySideEffects(n, previous, undefined);
    }
  }

  active(): Fault[] {
    return this.faults.list();
  }

  private async applySideEffects(name: FaultName, before: Fault | undefined, after: Fault | undefined) {
    if (name === 'omit-metric') {
      if (before) this.metrics.show(before['metric'] as string);
      if (after) this.metrics.hide(after['metric'] as string);
    } else if (name === 'high-cardinality-label') {
      await this.metrics.setExtraLabel(after ? (after['label'] as string) : undefined);
    } else if (name === 'circuit-breaker-open') {
      const from = before?.['target'] as ServiceName | undefined;
      const to = after?.['target'] as ServiceName | undefined;
      if (from && from !== to) this.breakers.close(from);
      if (to) this.breakers.open(to);
    }
  }
}
