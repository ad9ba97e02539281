import { describe, expect, it } from 'vitest';
import { ledgerFromEntries, type LedgerEntry } from '../core/index.ts';
import { externalStack, ledgerWindow, validate } from './validate.ts';

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
