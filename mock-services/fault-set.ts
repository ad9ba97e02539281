import { z } from 'zod';
import { SERVICE_NAMES, type ServiceName } from '../catalog/index.ts';
import { isJsonObject } from './json-object.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const rate = z.number().min(0).max(1);
const serviceName = z.enum(SERVICE_NAMES);

/**
 * Every fault a mock service understands: its parameters (strict: unknown keys are refused) and,
 * when it only makes sense on some services, which ones. docs/fleet-api.md documents each effect.
 */
export const FAULT_DEFS = {
  'error-rate': { params: z.strictObject({ rate }), only: undefined },
  latency: { params: z.strictObject({ ms: z.number().int().min(0).max(120_000) }), only: undefined },
  'circuit-breaker-open': { params: z.strictObject({ target: serviceName }), only: undefined },
  'drop-traceparent': { params: z.strictObject({}), only: undefined },
  'regenerate-traceparent': { params: z.strictObject({}), only: undefined },
  'drop-logs': { params: z.strictObject({}), only: undefined },
  'omit-metric': { params: z.strictObject({ metric: z.string().min(1) }), only: undefined },
  'high-cardinality-label': {
    params: z.strictObject({ label: z.string().regex(LABEL_NAME, 'not a Prometheus label name').optional() }),
    only: undefined,
  },
  'double-count': { params: z.strictObject({}), only: undefined },
  'retry-calls': { params: z.strictObject({}), only: undefined },
  'duplicate-logs': { params: z.strictObject({}), only: undefined },
  down: { params: z.strictObject({}), only: undefined },
  'block-requests': {
    params: z.strictObject({ rate, reason: z.string().min(1).optional() }),
    only: ['safety-service'],
  },
  'expensive-model': {
    params: z.strictObject({
      factor: z.number().positive().max(10_000),
      model: z.string().min(1).optional(),
    }),
    only: ['llm-service'],
  },
} as const satisfies Record<string, { params: z.ZodType; only: readonly ServiceName[] | undefined }>;

export type FaultName = keyof typeof FAULT_DEFS;
export const FAULT_NAMES = Object.keys(FAULT_DEFS) as FaultName[];

/** A fault as the API shows it: `{ name, ...params }`. */
export type Fault = { name: FaultName } & Record<string, unknown>;

/** What a service knows about itself that some faults' parameters are checked against. */
export interface FaultContext {
  service: ServiceName;
  /** Services this one calls (valid `circuit-breaker-open` targets). */
  peers: readonly ServiceName[];
  /** Metric names this service exposes (valid `omit-metric` names). */
  metricNames: readonly string[];
  /** Label names request metrics already carry (a high-cardinality label must be new). */
  requestLabelNames: readonly string[];
}

export type FaultParseResult =
  { ok: true; fault: Fault } | { ok: false; error: string; field?: string; available?: readonly string[] };

const isFaultName = (name: string): name is FaultName => Object.hasOwn(FAULT_DEFS, name);

/** Validates `{ name, ...params }` for one service; the error text names the field at fault. */
export function parseFault(input: unknown, ctx: FaultContext): FaultParseResult {
  if (!isJsonObject(input))
    return { ok: false, error: 'expected a JSON object { "name": <fault>, ...params }' };
  const { name, ...rest } = input;
  if (typeof name !== 'string')
    return { ok: false, error: 'missing "name"', field: 'name', available: FAULT_NAMES };
  if (!isFaultName(name))
    return { ok: false, error: `unknown fault "${name}"`, field: 'name', available: FAULT_NAMES };
  const def = FAULT_DEFS[name];
  const only: readonly ServiceName[] | undefined = def.only;
  if (only && !only.includes(ctx.service)) {
    return {
      ok: false,
      error: `fault "${name}" applies only to ${only.join(', ')}, not ${ctx.service}`,
      field: 'name',
    };
  }
  const parsed = def.params.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length
      ? issue.path.join('.')
      : (issue as { keys?: string[] } | undefined)?.keys?.[0];
    return {
      ok: false,
      error: `bad parameters for fault "${name}": ${parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`,
      ...(field ? { field } : {}),
    };
  }
  const params = { ...(parsed.data as Record<string, unknown>) };
  if (name === 'high-cardinality-label') params['label'] ??= 'request_id';
  const checked = checkAgainstService(name, params, ctx);
  if (checked) return checked;
  return { ok: true, fault: { name, ...params } };
}

function checkAgainstService(
  name: FaultName,
  params: Record<string, unknown>,
  ctx: FaultContext,
): FaultParseResult | undefined {
  if (name === 'circuit-breaker-open' && !ctx.peers.includes(params['target'] as ServiceName)) {
    return {
      ok: false,
      error: `${ctx.service} does not call ${String(params['target'])}; breaker targets: ${ctx.peers.join(', ') || 'none'}`,
      field: 'target',
      available: ctx.peers,
    };
  }
  if (name === 'omit-metric' && !ctx.metricNames.includes(params['metric'] as string)) {
    return {
      ok: false,
      error: `${ctx.service} exposes no metric "${String(params['metric'])}"`,
      field: 'metric',
      available: ctx.metricNames,
    };
  }
  if (name === 'high-cardinality-label' && ctx.requestLabelNames.includes(String(params['label']))) {
    return {
      ok: false,
      error: `label "${String(params['label'])}" already exists on request metrics`,
      field: 'label',
    };
  }
  return undefined;
}

/**
 * Deterministic "fraction of requests": the n-th call hits when ⌊n·rate⌋ grows, so exactly
 * ⌊N·rate⌋ of N calls hit (reproducible accounting, unlike Math.random()).
 */
export class RateGate {
  private calls = 0;

  constructor(readonly rate: number) {}

  hit(): boolean {
    this.calls += 1;
    return Math.floor(this.calls * this.rate) > Math.floor((this.calls - 1) * this.rate);
  }
}

/**
 * The faults active on one service, with the hot-path answers precomputed so a request pays a
 * few property reads, not a map lookup per fault.
 */
export class FaultSet {
  private readonly active = new Map<FaultName, Fault>();
  errorGate: RateGate | undefined;
  latencyMs = 0;
  dropTraceparent = false;
  regenerateTraceparent = false;
  dropLogs = false;
  doubleCount = false;
  retryCalls = false;
  duplicateLogs = false;
  down = false;
  highCardinalityLabel: string | undefined;
  blockGate: RateGate | undefined;
  blockReason: string | undefined;
  costFactor = 1;
  costFactorModel: string | undefined;
  openBreakers: ReadonlySet<ServiceName> = new Set();

  /** Switches one fault on (replacing an active one of the same name); returns the one it replaced. */
  set(fault: Fault): Fault | undefined {
    const previous = this.active.get(fault.name);
    this.active.set(fault.name, fault);
    this.refresh();
    return previous;
  }

  /** Clears one fault; returns it, or undefined when it was not active. */
  clear(name: FaultName): Fault | undefined {
    const previous = this.active.get(name);
    this.active.delete(name);
    this.refresh();
    return previous;
  }

  get(name: FaultName): Fault | undefined {
    return this.active.get(name);
  }

  list(): Fault[] {
    return [...this.active.values()];
  }

  private refresh(): void {
    const f = (name: FaultName) => this.active.get(name);
    const errorRate = f('error-rate')?.['rate'] as number | undefined;
    this.errorGate = errorRate === undefined ? undefined : new RateGate(errorRate);
    this.latencyMs = (f('latency')?.['ms'] as number | undefined) ?? 0;
    this.dropTraceparent = f('drop-traceparent') !== undefined;
    this.regenerateTraceparent = f('regenerate-traceparent') !== undefined;
    this.dropLogs = f('drop-logs') !== undefined;
    this.doubleCount = f('double-count') !== undefined;
    this.retryCalls = f('retry-calls') !== undefined;
    this.duplicateLogs = f('duplicate-logs') !== undefined;
    this.down = f('down') !== undefined;
    const hc = f('high-cardinality-label');
    this.highCardinalityLabel = hc ? ((hc['label'] as string | undefined) ?? 'request_id') : undefined;
    const block = f('block-requests');
    this.blockGate = block ? new RateGate(block['rate'] as number) : undefined;
    this.blockReason = block?.['reason'] as string | undefined;
    const expensive = f('expensive-model');
    this.costFactor = (expensive?.['factor'] as number | undefined) ?? 1;
    this.costFactorModel = expensive?.['model'] as string | undefined;
    const breaker = f('circuit-breaker-open');
    this.openBreakers = new Set(breaker ? [breaker['target'] as ServiceName] : []);
  }
}
