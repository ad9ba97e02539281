import { describe, expect, it } from 'vitest';
import { HarnessError, ledgerFromEntries, type CheckResult, type LedgerEntry } from '../core/index.ts';
import type { StartedObservabilityStack } from './observability-stack.ts';
import { externalStack, ledgerWindow, validate, validateAhead, type ValidationAhead } from './validate.ts';

const ENTRY: LedgerEntry = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  correlationId: 'run-1-1-0',
  flow: 'kb_query',
  status: 200,
  startMs: 1_700_000_000_000,
  durationMs: 250,
};

describe('ledgerWindow', () => {
  it('spans the first request − 1 s to the last answer + 1 s', async () => {
    const later = { ...ENTRY, startMs: ENTRY.startMs + 5_000 };
    const { requests, window } = await ledgerWindow(ledgerFromEntries([ENTRY, later]));
    expect(requests).toBe(2);
    expect(window.start.getTime()).toBe(ENTRY.startMs - 1_000);
    expect(window.end.getTime()).toBe(later.startMs + 250 + 1_000);
  });

  it('refuses a ledger without requests: no traffic was sent', async () => {
    await expect(ledgerWindow(ledgerFromEntries([], 'empty.jsonl'))).rejects.toThrow(
      'no traffic was sent: the ledger empty.jsonl holds no requests',
    );
  });
});

describe('validate', () => {
  it('judges the gate over the checks it ran: a required check skipped for a missing backend fails it', async () => {
    const stack = externalStack({ serviceLabel: 'job', headers: {} });
    const { checks, gate } = await validate({
      phase: 1,
      stack,
      ledger: ledgerFromEntries([ENTRY]),
      validators: ['traces'],
      runDir: 'out/api-validate-test',
    });
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((c) => c.family === 'traces' && c.status === 'skip')).toBe(true);
    expect(gate.verdict).toBe('fail');
    expect(gate.skippedRequired).toEqual(checks.filter((c) => c.phase <= 1).map((c) => c.id));
  });
});

describe('validate with checks started ahead', () => {
  const offline = (id: string): CheckResult => ({
    id,
    family: 'alerts',
    title: 'offline',
    status: 'pass',
    phase: 1,
    expected: '-',
    observed: '-',
    message: 'ran ahead',
    evidence: {},
  });
  const aheadOf = (checks: Promise<CheckResult[]>, started = Promise.resolve()): ValidationAhead => ({
    names: ['alerts.offline'],
    started,
    settled: checks.then(() => undefined),
    awaiters: () => ({ 'alerts.offline': () => checks }),
    took: (name) => (name === 'alerts.offline' ? 4_321 : undefined),
  });

  it("judges the ahead validator's checks with the rest, without running it again, with its own duration", async () => {
    const done: [string, number][] = [];
    const { checks } = await validate({
      phase: 1,
      stack: externalStack({ serviceLabel: 'job', headers: {} }),
      ledger: ledgerFromEntries([ENTRY]),
      validators: ['traces'],
      runDir: 'out/api-validate-test',
      ahead: aheadOf(Promise.resolve([offline('alerts.offline.ahead')])),
      onValidatorDone: (name, ms) => done.push([name, ms]),
    });
    // Run again, the offline validator would report its own check ids (alerts.offline.check-rules…).
    expect(checks.filter((c) => c.family === 'alerts').map((c) => c.id)).toEqual(['alerts.offline.ahead']);
    expect(checks.some((c) => c.family === 'traces')).toBe(true);
    expect(done).toContainEqual(['alerts.offline', 4_321]);
  });

  it('fails as validate() itself would when the ahead checks could not start (the probe listener)', async () => {
    const cannotBind = Promise.reject(new HarnessError('cannot listen on 127.0.0.1:1 for the probe target'));
    cannotBind.catch(() => undefined);
    await expect(
      validate({
        phase: 1,
        stack: externalStack({ serviceLabel: 'job', headers: {} }),
        ledger: ledgerFromEntries([ENTRY]),
        validators: ['traces'],
        runDir: 'out/api-validate-test',
        ahead: aheadOf(Promise.resolve([]), cannotBind),
      }),
    ).rejects.toThrow('cannot listen on 127.0.0.1:1 for the probe target');
  });
});

describe('validateAhead', () => {
  it('starts nothing when none of the wanted validators can run ahead', async () => {
    // Any use of the stack (probe listener, clients, run folder) would throw.
    const untouchable = new Proxy({} as StartedObservabilityStack, {
      get: (_, key) => {
        throw new Error(`stack.${String(key)} was used`);
      },
    });
    const ahead = validateAhead({ phase: 1, stack: untouchable, validators: ['traces', 'metrics'] });
    expect(ahead.names).toEqual([]);
    await expect(ahead.started).resolves.toBeUndefined();
    await expect(ahead.settled).resolves.toBeUndefined();
  });
});
