import type { RISK_LEVELS } from '../../catalog/index.ts';
import { SAFETY_BLOCK_REASONS } from '../../catalog/index.ts';
import type { BehaviourFactory } from '../behaviour.ts';
import { queryHash, unitFromHash } from '../query-hash.ts';

const REASONS: readonly string[] = SAFETY_BLOCK_REASONS;
const DEFAULT_BLOCK_REASON = 'policy_violation';

/** Share of assessments per risk level at steady state: mostly low, a thin critical tail. */
const RISK_THRESHOLDS: readonly [number, (typeof RISK_LEVELS)[number]][] = [
  [0.8, 'low'],
  [0.95, 'medium'],
  [0.99, 'high'],
  [1, 'critical'],
];

/**
 * safety-service: the ethics check. It assesses a risk level for every text; it blocks (403) only
 * under the `block-requests` fault, so steady-state traffic is never refused.
 */
export const safetyService: BehaviourFactory = ({ metrics, faults }) => {
  const processing = metrics.observer('phoenix_safety_processing_duration_seconds');
  const blocked = metrics.counter('phoenix_safety_blocked_requests_total');
  const risk = metrics.counter('phoenix_safety_risk_level_total');
  return {
    peers: [],
    requestCounter: 'phoenix_safety_requests_total',
    operations: [
      {
        name: 'ethics_check',
        path: '/internal/ethics_check',
        requestLabels: { operation: 'ethics_check' },
        handle(c) {
          const started = performance.now();
          const text = c.body['text'];
          if (typeof text !== 'string')
            return { status: 400, body: { error: 'missing "text"', field: 'text' } };
          const share = unitFromHash(queryHash(text), 1);
          const level = RISK_THRESHOLDS.find(([upTo]) => share < upTo)?.[1] ?? 'low';
          risk.inc({ level });
          c.logFields = { risk_level: level };
          if (faults.blockGate?.hit()) {
            const reason = faults.blockReason ?? DEFAULT_BLOCK_REASON;
            blocked.inc({ reason });
            processing.observe({ operation: 'ethics_check' }, (performance.now() - started) / 1000);
            return { status: 403, body: { error: 'blocked by safety policy', reason, risk_level: level } };
          }
          processing.observe({ operation: 'ethics_check' }, (performance.now() - started) / 1000);
          return { status: 200, body: { allowed: true, risk_level: level } };
        },
      },
    ],
    checkFault(fault) {
      const reason = fault['reason'];
      if (fault.name === 'block-requests' && reason !== undefined && !REASONS.includes(String(reason))) {
        return { error: `unknown block reason "${String(reason)}"`, field: 'reason', available: REASONS };
      }
      return undefined;
    },
  };
};
