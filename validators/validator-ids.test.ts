/**
 * A validator's name is the prefix of every check id it produces, so `validators: [...]` (api,
 * cli) names what the report shows: each validator runs against the fakes — a world where nothing
 * answers and one with empty backends — and every id it returns must be `<name>` or start with `<name>.`.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ledgerFromEntries, type CheckResult } from '../core/index.ts';
import type { ValidationContext } from './context.ts';
import { VALIDATORS, VALIDATOR_FAMILIES, runValidators, type ValidatorName } from './index.ts';
import { FakeAlerting } from './testing/fake-alerting.ts';
import { FakeJaeger } from './testing/fake-jaeger.ts';
import { FakeLogStore } from './testing/fake-log-store.ts';

const NAMES = Object.keys(VALIDATORS) as ValidatorName[];

/** No backend at all: every check skips or reports nothing to examine, under its own id. */
const bare = (): ValidationContext => ({
  runId: 'ids',
  phase: 4,
  endpoints: {},
  clients: {},
  ingestTimeoutMs: 50,
});

/** Empty fakes, one ledger request, one drill 2000× faster than production: every check looks and finds nothing. */
function emptyBackends(): ValidationContext {
  const world = new FakeAlerting();
  return {
    runId: 'ids',
    phase: 4,
    endpoints: {},
    clients: {
      prometheus: world.prometheus,
      sink: world.sink,
      jaeger: new FakeJaeger(),
      logs: new FakeLogStore(),
    },
    ingestTimeoutMs: 50,
    fleet: world.fleet,
    drills: {
      profile: {
        timeScale: 0.0005,
        timing: { scrapeIntervalS: 0.01, evaluationIntervalS: 0.01, groupWaitS: 0.01, groupIntervalS: 0.01 },
      },
      steadyWindowMs: 20,
      alerts: ['ServiceDown'],
    },
    ledger: ledgerFromEntries([
      {
        traceId: randomBytes(16).toString('hex'),
        correlationId: 'ids-1-1',
        flow: 'kb_query',
        status: 200,
        startMs: Date.now() - 1_000,
        durationMs: 5,
      },
    ]),
    window: { start: new Date(Date.now() - 60_000), end: new Date() },
  };
}

/** Runs each validator on its own (a throw becomes its `<name>.validator` check), ids by validator. */
async function idsByValidator(ctx: () => ValidationContext): Promise<Record<ValidatorName, string[]>> {
  const out = {} as Record<ValidatorName, string[]>;
  for (const name of NAMES) {
    const results: CheckResult[] = await runValidators({
      validators: VALIDATORS,
      families: VALIDATOR_FAMILIES,
      names: [name],
      ctx: ctx(),
      into: [],
    });
    out[name] = results.map((r) => r.id);
  }
  return out;
}

const strays = (ids: Record<ValidatorName, string[]>) =>
  NAMES.flatMap((name) =>
    (ids[name] ?? []).filter((id) => id !== name && !id.startsWith(`${name}.`)).map((id) => `${name}: ${id}`),
  );

describe('validator names are the prefix of their check ids', () => {
  it.each([
    ['no backend', bare],
    ['empty backends', emptyBackends],
  ])('with %s, every validator reports checks, each id starting with its name', async (_world, ctx) => {
    const ids = await idsByValidator(ctx);
    expect(NAMES.filter((name) => (ids[name] ?? []).length === 0)).toEqual([]);
    expect(strays(ids)).toEqual([]);
  });

  it('names a stray id with its validator', () => {
    const ids = Object.fromEntries(NAMES.map((n) => [n, [`${n}.x`]])) as Record<ValidatorName, string[]>;
    ids['alerts.drill'] = ['alerts.drill.HighErrorRate', 'alerts.steady-state'];
    expect(strays(ids)).toEqual(['alerts.drill: alerts.steady-state']);
  });
});
