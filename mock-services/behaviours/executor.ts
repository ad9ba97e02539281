import type { BehaviourFactory } from '../behaviour.ts';

const MIB = 1024 * 1024;
const CONTAINER_LIFECYCLE = ['create', 'start', 'stop', 'remove'] as const;

/**
 * executor: runs a plan's steps in a sandbox container (create, start, stop, remove per plan) and
 * reports what the sandbox used. Sandbox violations never happen at steady state (on-event metric).
 */
export const executor: BehaviourFactory = ({ metrics }) => {
  const duration = metrics.observer('phoenix_executor_duration_seconds');
  const containers = metrics.counter('phoenix_executor_container_operations_total');
  const usage = metrics.gauge('phoenix_executor_resource_usage');
  const setUsage = (steps: number) => {
    usage.set({ resource: 'cpu', unit: 'cores' }, 0.25 + 0.1 * steps);
    usage.set({ resource: 'memory', unit: 'bytes' }, (96 + 24 * steps) * MIB);
    usage.set({ resource: 'disk', unit: 'bytes' }, (48 + 8 * steps) * MIB);
  };
  return {
    peers: [],
    requestCounter: 'phoenix_executor_requests_total',
    init() {
      setUsage(0);
    },
    operations: [
      {
        name: 'execute',
        path: '/internal/execute',
        handle(c) {
          const started = performance.now();
          const steps = c.body['steps'];
          if (!Array.isArray(steps))
            return { status: 400, body: { error: 'missing "steps"', field: 'steps' } };
          for (const operation of CONTAINER_LIFECYCLE) containers.inc({ operation, status: 'success' });
          setUsage(steps.length);
          const seconds = (performance.now() - started) / 1000;
          // Steps run inside the one container call: each is charged an equal share of its time.
          for (let i = 0; i < steps.length; i++)
            duration.observe({ operation: 'step' }, seconds / steps.length);
          duration.observe({ operation: 'plan' }, seconds);
          c.logFields = { steps: steps.length };
          return { status: 200, body: { output: `completed ${steps.length} steps`, steps: steps.length } };
        },
      },
    ],
  };
};
