import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../core/index.ts';
import { ReporterMultiplexer, describeReporterFailures } from './multiplexer.ts';
import type { NamedReporter, Reporter } from './reporter-contract.ts';
import { sampleRunReport } from './testing/sample-report.ts';

describe('ReporterMultiplexer', () => {
  const check = sampleRunReport().checks[0] as CheckResult;

  function recording(name: string, log: string[], extra: Reporter = {}): NamedReporter {
    return {
      name,
      reporter: {
        onRunStart: (info) => void log.push(`${name}.start ${info.runId}`),
        onCheck: (result) => void log.push(`${name}.check ${result.id}`),
        onRunEnd: async () => {
          log.push(`${name}.end`);
          return { files: [`${name}.out`] };
        },
        ...extra,
      },
    };
  }

  it('calls every hook on every reporter in order, and collects their files', async () => {
    const log: string[] = [];
    const mux = new ReporterMultiplexer([
      recording('a', log),
      recording('b', log),
      { name: 'empty', reporter: {} },
    ]);
    expect(await mux.onRunStart({ runId: 'r1', phase: 2, startedAt: '2026-01-01T00:00:00Z' })).toEqual([]);
    expect(await mux.onCheck(check)).toEqual([]);
    const outcome = await mux.onRunEnd(sampleRunReport());
    expect(log).toEqual([
      'a.start r1',
      'b.start r1',
      `a.check ${check.id}`,
      `b.check ${check.id}`,
      'a.end',
      'b.end',
    ]);
    expect(outcome).toEqual({ files: ['a.out', 'b.out'], failures: [] });
  });

  it("isolates a reporter's throw, rejection or hang: the others still run, the errors come back as data", async () => {
    const log: string[] = [];
    const mux = new ReporterMultiplexer(
      [
        recording('throws', log, {
          onCheck: () => {
            throw new Error('boom');
          },
          onRunEnd: () => {
            throw new TypeError('cannot read x');
          },
        }),
        recording('rejects', log, { onRunEnd: () => Promise.reject(new Error('EACCES: permission denied')) }),
        recording('hangs', log, { onRunEnd: () => new Promise(() => undefined) }),
        recording('fine', log),
      ],
      { hookTimeoutMs: 50 },
    );
    const checkFailures = await mux.onCheck(check);
    expect(checkFailures.map((f) => [f.reporter, f.hook, f.message])).toEqual([
      ['throws', 'onCheck', 'boom'],
    ]);
    const outcome = await mux.onRunEnd(sampleRunReport());
    expect(outcome.files).toEqual(['fine.out']);
    expect(outcome.failures.map((f) => [f.reporter, f.message])).toEqual([
      ['throws', 'cannot read x'],
      ['rejects', 'EACCES: permission denied'],
      ['hangs', 'hangs.onRunEnd did not finish within 50ms'],
    ]);
    expect(log).toContain('fine.end');
    expect(mux.failures).toHaveLength(4);
    expect(describeReporterFailures(outcome.failures).split('\n')[0]).toBe(
      'reporter throws failed in onRunEnd: cannot read x',
    );
  });

  it('gives each reporter its own copy of the report', async () => {
    const seen: number[] = [];
    const mutate: Reporter = {
      onRunEnd: async (report) => {
        report.checks.length = 0;
      },
    };
    const observe: Reporter = {
      onRunEnd: async (report) => {
        seen.push(report.checks.length);
      },
    };
    const report = sampleRunReport();
    await new ReporterMultiplexer([
      { name: 'mutate', reporter: mutate },
      { name: 'observe', reporter: observe },
    ]).onRunEnd(report);
    expect(seen).toEqual([report.checks.length]);
  });

  it('passes evidence that cannot be copied as it is, rather than failing every reporter', async () => {
    const seen: unknown[] = [];
    const mux = new ReporterMultiplexer([
      { name: 'r', reporter: { onCheck: (c) => void seen.push(c.evidence['probe']) } },
    ]);
    const probe = (): number => 1;
    expect(await mux.onCheck({ ...check, evidence: { probe } })).toEqual([]);
    expect(seen).toEqual([probe]);
  });
});
