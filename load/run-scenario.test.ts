import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../core/index.ts';
import {
  prestartScenario,
  chooseEngine,
  findK6Binary,
  flowRequestCount,
  segmentArguments,
  k6Arguments,
  k6ExitError,
  k6SummarySchema,
  runScenario,
  SCENARIO_ENV_NAMES,
  thresholdFailuresFrom,
} from './run-scenario.ts';

/** summary.json of scenarios/smoke.ts run with SLO_P95_MS=0.001: the three p95 thresholds broke. */
const SUMMARY = k6SummarySchema.parse(
  JSON.parse(
    readFileSync(fileURLToPath(new URL('./fixtures/k6-smoke-summary.json', import.meta.url)), 'utf8'),
  ),
);

describe('threshold failures from summary.json', () => {
  it('names each broken threshold with its metric, expression and reason', () => {
    expect(thresholdFailuresFrom(SUMMARY)).toEqual([
      {
        metric: 'http_req_duration{flow:kb_query}',
        threshold: 'p(95)<0.001',
        reason: '19 of 20 kb_query requests answer within 0.001ms (its p95 latency SLO)',
      },
      {
        metric: 'http_req_duration{flow:llm_generate}',
        threshold: 'p(95)<0.001',
        reason: '19 of 20 llm_generate requests answer within 0.001ms (its p95 latency SLO)',
      },
      {
        metric: 'http_req_duration{flow:plan_and_execute}',
        threshold: 'p(95)<0.001',
        reason: '19 of 20 plan_and_execute requests answer within 0.001ms (its p95 latency SLO)',
      },
    ]);
  });

  it('reports none when every threshold held, and works without our reasons', () => {
    const summary = k6SummarySchema.parse({
      metrics: {
        checks: { values: { rate: 1 }, thresholds: { 'rate>0.99': { ok: true } } },
        vus: { values: {} },
      },
    });
    expect(thresholdFailuresFrom(summary)).toEqual([]);
    const broken = k6SummarySchema.parse({
      metrics: { checks: { values: { rate: 0.5 }, thresholds: { 'rate>0.99': { ok: false } } } },
    });
    expect(thresholdFailuresFrom(broken)).toEqual([{ metric: 'checks', threshold: 'rate>0.99' }]);
  });

  it('counts the flow requests k6 sent, without the preflight', () => {
    expect(flowRequestCount(SUMMARY)).toBe(3);
    expect(SUMMARY.metrics['http_reqs']?.values['count']).toBe(4);
  });
});

describe('k6 exit codes other than 0 and 99', () => {
  it('turns a setup() abort into a HarnessError carrying the scenario message', () => {
    const tail = [
      'time="2026-11-23T12:38:14Z" level=error msg="test aborted: no Phoenix orchestrator answers at http://127.0.0.1:1/healthz (dial: connection refused): start the fleet with `npm run fleet` or set BASE_URL to a running orchestrator"',
    ];
    const error = k6ExitError(108, null, tail, 'k6 run scenarios/smoke.ts');
    expect(error).toBeInstanceOf(HarnessError);
    expect(error.message).toBe(
      'k6 exited with 108: the scenario aborted itself (test aborted: no Phoenix orchestrator answers at http://127.0.0.1:1/healthz (dial: connection refused): start the fleet with `npm run fleet` or set BASE_URL to a running orchestrator)',
    );
    expect(error.hint).toMatch(/start what the message names/);
  });

  it('keeps the message of a script exception, without its stack', () => {
    // As k6 1.8 logs a ScenarioConfigError thrown in the init context.
    const tail = [
      String.raw`time="2026-11-23T12:43:15Z" level=error msg="ScenarioConfigError: invalid scenario environment:\n  - RATE=\"fast\": must be a positive number\n\tat file:///work/main/scenarios/lib/config.ts:55:10(12)\n\tat parseScenarioConfig (file:///work/main/scenarios/lib/config.ts:133:31(179))\n" hint="script exception"`,
    ];
    expect(k6ExitError(107, null, tail, 'x').message).toBe(
      'k6 exited with 107: the scenario script threw an exception (ScenarioConfigError: invalid scenario environment:\n  - RATE="fast": must be a positive number)',
    );
  });

  it('says when k6 was killed by a signal and quotes its output when the code is unknown', () => {
    expect(k6ExitError(null, 'SIGKILL', [], 'x').message).toBe('k6 was killed by SIGKILL: unexpected exit');
    expect(k6ExitError(3, null, ['a', 'b'], 'x').hint).toContain('a\nb');
  });
});

describe('the k6 command line', () => {
  it('writes the raw output, passes settings with -e and keeps secrets off the command line', () => {
    const args = k6Arguments({
      script: '/repo/scenarios/load.ts',
      rawOutputPath: '/out/r/k6-raw.json.gz',
      env: { BASE_URL: 'http://127.0.0.1:1', RATE: '5', AUTH_TOKEN: 's3cret' },
    });
    expect(args).toEqual([
      'run',
      '--no-usage-report',
      '--quiet',
      '--address',
      '',
      '--out',
      'json=/out/r/k6-raw.json.gz',
      '-e',
      'BASE_URL=http://127.0.0.1:1',
      '-e',
      'RATE=5',
      '/repo/scenarios/load.ts',
    ]);
    expect(args.join(' ')).not.toContain('s3cret');
  });
});

describe('the k6 command line with an execution segment', () => {
  it('passes the segment and the equal-split sequence it implies, as k6-operator does', () => {
    const args = k6Arguments({
      script: '/repo/scenarios/load.ts',
      rawOutputPath: undefined,
      env: {},
      segment: segmentArguments('1/4:2/4', undefined),
    });
    expect(args.slice(5, 9)).toEqual([
      '--execution-segment',
      '1/4:2/4',
      '--execution-segment-sequence',
      '0,1/4,1/2,3/4,1',
    ]);
    expect(segmentArguments('0:3/4', undefined)).toEqual({ segment: '0:3/4', sequence: undefined });
    expect(() => segmentArguments('3/4:1/4', undefined)).toThrow(/invalid execution segment "3\/4:1\/4"/);
  });
});

describe('choosing the load engine', () => {
  it('auto runs k6 when a binary is found, the in-process engine otherwise', () => {
    expect(chooseEngine('auto', '/usr/bin/k6')).toEqual({ engine: 'k6', k6Path: '/usr/bin/k6' });
    expect(chooseEngine('auto', undefined)).toEqual({ engine: 'node', k6Path: undefined });
    expect(chooseEngine('node', '/usr/bin/k6')).toEqual({ engine: 'node', k6Path: undefined });
    expect(chooseEngine('k6', undefined)).toEqual({ engine: 'k6', k6Path: 'k6' });
  });

  it('finds k6 in K6_BINARY first, then on PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phx-k6-path-'));
    const fake = join(dir, 'k6');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(findK6Binary({ PATH: `/nonexistent:${dir}` })).toBe(fake);
    expect(findK6Binary({ PATH: dir, K6_BINARY: '/opt/k6/k6' })).toBe('/opt/k6/k6');
    expect(findK6Binary({ PATH: '/nonexistent' })).toBeUndefined();
  });
});

describe('the scenario environment', () => {
  it('lists exactly the variables scenarios/lib/config.ts reads', () => {
    const source = readFileSync(
      fileURLToPath(new URL('../scenarios/lib/config.ts', import.meta.url)),
      'utf8',
    );
    const read = new Set([...source.matchAll(/env(?:\[|, )'([A-Z0-9_]+)'/g)].map((m) => m[1]));
    expect([...read].sort()).toEqual([...SCENARIO_ENV_NAMES].sort());
  });
});

describe('runScenario without k6', () => {
  it('says where k6 was looked for and how to get it', async () => {
    await expect(
      runScenario({
        scenario: 'smoke',
        baseUrl: 'http://127.0.0.1:1',
        runId: 'no-k6',
        outDir: `${process.env['TMPDIR'] ?? '/tmp'}/phx-run-scenario-test`,
        engine: 'k6',
        k6Path: '/nonexistent/k6',
      }),
    ).rejects.toThrow(/k6 not found at \/nonexistent\/k6/);
  });
});

describe('prestartScenario', () => {
  const base = { scenario: 'smoke', runId: 'p', outDir: tmpdir() } as const;
  it('starts nothing ahead for k6 or several workers: only the in-process engine in one process loads early', () => {
    expect(prestartScenario({ ...base, engine: 'k6', k6Path: '/bin/true' })).toBeUndefined();
    expect(prestartScenario({ ...base, engine: 'node', workers: 2 })).toBeUndefined();
  });

  it('ends an engine that never got its target, leaving no process behind', async () => {
    const prestarted = prestartScenario({ ...base, engine: 'node' });
    expect(prestarted).toBeDefined();
    await prestarted?.[Symbol.asyncDispose]();
  }, 60_000);
});
