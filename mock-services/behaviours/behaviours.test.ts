import { describe, expect, it } from 'vitest';
import { METRICS, SERVICE_NAMES, SERVICE_OPERATIONS, callTargets } from '../../catalog/index.ts';
import { FaultSet } from '../fault-set.ts';
import { ServiceMetrics } from '../service-metrics.ts';
import { BEHAVIOURS } from './index.ts';

describe('the behaviours agree with the catalog', () => {
  for (const service of SERVICE_NAMES) {
    it(`${service} serves the catalog's operations, calls the catalog's targets and counts with a catalog counter`, () => {
      const metrics = new ServiceMetrics(service, METRICS, true);
      const behaviour = BEHAVIOURS[service]({ service, metrics, faults: new FaultSet() });
      expect(behaviour.operations.map(({ name, path }) => ({ name, path }))).toEqual(
        SERVICE_OPERATIONS[service],
      );
      expect([...behaviour.peers].sort()).toEqual([...callTargets(service)].sort());
      expect(
        metrics.unknownNames(),
        'metrics the behaviour updates but the catalog does not give it',
      ).toEqual([]);
      if (behaviour.requestCounter) {
        const def = METRICS.find((m) => m.name === behaviour.requestCounter);
        expect(def?.type).toBe('counter');
        expect(def?.services).toContain(service);
        for (const op of behaviour.operations) {
          expect(Object.keys(op.requestLabels ?? {}).sort(), op.name).toEqual(
            def!.labels.filter((l) => l !== 'status').sort(),
          );
        }
      }
    });
  }
});
