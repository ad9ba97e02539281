import { SERVICE_NAMES, type ServiceName } from '../catalog/index.ts';
import { HarnessError } from '../core/index.ts';
import { FAULT_NAMES, type FaultName } from '../mock-services/index.ts';
import type { InjectedFault } from '../api/index.ts';

/** `--inject data-router:drop-traceparent` or `llm-service:latency:ms=200`: a fault switched on before the load. */
export function parseInjection(spec: string): InjectedFault & { params: Record<string, unknown> } {
  const [service, name, params = ''] = spec.split(':');
  if (!service || !(SERVICE_NAMES as readonly string[]).includes(service)) {
    throw new HarnessError(`--inject ${spec}: unknown service "${service ?? ''}"`, {
      hint: `services: ${SERVICE_NAMES.join(', ')}`,
    });
  }
  if (!name || !(FAULT_NAMES as readonly string[]).includes(name)) {
    throw new HarnessError(`--inject ${spec}: unknown fault "${name ?? ''}"`, {
      hint: `faults: ${FAULT_NAMES.join(', ')}`,
    });
  }
  const parsed: Record<string, unknown> = {};
  for (const pair of params.split(',').filter(Boolean)) {
    const [k, v = ''] = pair.split('=');
    if (!k) continue;
    parsed[k] = v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
  }
  return { service: service as ServiceName, name: name as FaultName, params: parsed };
}
