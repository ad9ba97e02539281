import { describe, expect, it } from 'vitest';
import type { PromRangeSeries, PromRuleGroup, PrometheusApi } from '../clients/index.ts';
import type { DrillProfile, ValidationContext } from '../context.ts';
import { catalogAlert } from '../testing/catalog-alert.ts';
import { FakeAlerting } from '../testing/fake-alerting.ts';
import { steadyStateOverLoad } from './steady-state.ts';

/** 5m → 1 s window; 10 ms intervals. */
const PROFILE: DrillProfile = {
  timeScale: 1 / 300,
  timing: { scrapeIntervalS: 0.01, evaluationIntervalS: 0.01, groupWaitS: 0.01, groupIntervalS: 0.01 },
};
const REQUIRED = ['HighErrorRate', 'ServiceDown'].map(catalogAlert);

/** Prometheus answering the rules API (evaluated now) and an ALERTS history. */
function history(series: PromRangeSeries[], asked: string[] = []): PrometheusApi {
  const base = new FakeAlerting().prometheus;
  return {
    ...base,
    rules: async () =>
      [{ name: 'g', file: 'f', rules: [], lastEvaluation: new Date().toISOString() }] as PromRuleGroup[],
    queryRaw: async (promql: string) => {
      asked.push(promql);
      return series;
    },
  };
}

const ctx = {
  runId: 'unit',
  phase: 2,
  endpoints: {},
  clients: {},
  ingestTimeoutMs: 1_000,
} as ValidationContext;
const loadOf = (ms: number, faultFree = true) => {
  const end = new Date(Date.now() - 50);
  return { start: new Date(end.getTime() - ms), end, faultFree };
};

describe('steadyStateOverLoad', () => {
  it('passes a fault-free load whose last window has no ALERTS sample, reading it back at once', async () => {
    const asked: string[] = [];
    const r = await steadyStateOverLoad(ctx, history([], asked), REQUIRED, PROFILE, loadOf(3_000));
    expect(r?.status).toBe('pass');
    expect(r?.message).toBe("no required alert went pending or firing during 1.0s of the run's load");
    expect(asked).toEqual(['ALERTS[1000ms]']);
    expect(r?.evidence['source']).toContain('ALERTS history');
  });

  it('fails when a required alert was pending during the load, naming it and when', async () => {
    const load = loadOf(3_000);
    const t = (load.end.getTime() - 600) / 1000;
    const r = await steadyStateOverLoad(
      ctx,
      history([
        {
          metric: {
            __name__: 'ALERTS',
            alertname: 'HighErrorRate',
            alertstate: 'pending',
            service: 'executor',
          },
          values: [
            [t, '1'],
            [t + 0.1, '1'],
          ],
        },
        {
          metric: {
            __name__: 'ALERTS',
            alertname: 'LLMCostRate',
            alertstate: 'firing',
            model: 'phoenix-large',
          },
          values: [[t, '1']],
        },
      ]),
      REQUIRED,
      PROFILE,
      load,
    );
    expect(r?.status).toBe('fail');
    expect(r?.message).toBe(
      '1 alert(s) went active under normal load with no fault (alert fatigue): HighErrorRate{service="executor"} (pending, from +0.4s); also active, not required at phase 2: LLMCostRate{model="phoenix-large"} (firing, from +0.4s)',
    );
  });

  it('declines a load with a fault on, or shorter than one window: the live watch judges then', async () => {
    expect(
      await steadyStateOverLoad(ctx, history([]), REQUIRED, PROFILE, loadOf(3_000, false)),
    ).toBeUndefined();
    expect(await steadyStateOverLoad(ctx, history([]), REQUIRED, PROFILE, loadOf(900))).toBeUndefined();
  });

  it('reports an unreadable history as an error naming Prometheus', async () => {
    const prometheus: PrometheusApi = {
      ...history([]),
      queryRaw: async () => {
        throw new Error('connection refused');
      },
    };
    const r = await steadyStateOverLoad(ctx, prometheus, REQUIRED, PROFILE, loadOf(3_000));
    expect(r?.status).toBe('error');
    expect(r?.message).toBe(
      'could not read ALERTS from Prometheus at http://fake-prometheus: connection refused',
    );
  });
});
