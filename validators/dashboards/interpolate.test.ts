import { describe, expect, it } from 'vitest';
import {
  formatExactDuration,
  formatInterval,
  interpolateMacros,
  interpolateQuery,
  interpolateVariables,
  parseDurationMs,
  queryTiming,
  resolveVariable,
  roundInterval,
  type TemplateVariable,
} from './interpolate.ts';
import { labelValuesQuery } from './variables.ts';

const MIN = 60_000;

describe("Grafana's interval rounding (rangeutil.roundInterval)", () => {
  it.each([
    [1, 10],
    [14, 10],
    [15, 20],
    [749, 500],
    [1_499, 1_000],
    [1_500, 2_000],
    [9_000, 10_000],
    [36_000, 30_000],
    [89_999, MIN],
    [90_000, 2 * MIN],
    [216_000, 5 * MIN],
    [3_628_800_000, 31_536_000_000],
  ])('%i ms rounds to %i ms', (ms, rounded) => {
    expect(roundInterval(ms)).toBe(rounded);
  });
});

describe('$__interval and $__rate_interval', () => {
  it.each([
    // [range, maxDataPoints, scrape, $__interval, $__rate_interval]
    [
      '15m over 100 points: 9s rounds to 10s, floored at the 15s scrape',
      15 * MIN,
      100,
      15_000,
      15_000,
      60_000,
    ],
    [
      '1h over 100 points: 36s rounds to 30s; rate = max(30s+15s, 4×15s)',
      60 * MIN,
      100,
      15_000,
      30_000,
      60_000,
    ],
    ['6h over 100 points: 216s rounds to 5m; rate = 5m + 15s', 360 * MIN, 100, 15_000, 5 * MIN, 315_000],
    [
      '1h over 1000 points with a 2s scrape: 3.6s rounds to 5s; rate = max(5s+2s, 4×2s)',
      60 * MIN,
      1000,
      2_000,
      5_000,
      8_000,
    ],
  ])('%s', (_, rangeMs, maxDataPoints, scrapeIntervalMs, intervalMs, rateIntervalMs) => {
    expect(queryTiming({ rangeMs, maxDataPoints, scrapeIntervalMs })).toEqual({
      rangeMs,
      intervalMs,
      rateIntervalMs,
    });
  });

  it("uses Grafana's /api/ds/query default of 100 data points and a 15s scrape interval", () => {
    expect(queryTiming({ rangeMs: 60 * MIN })).toEqual({
      rangeMs: 60 * MIN,
      intervalMs: 30_000,
      rateIntervalMs: 60_000,
    });
  });

  it("a panel's min interval raises $__interval", () => {
    expect(queryTiming({ rangeMs: 15 * MIN, minIntervalMs: MIN }).intervalMs).toBe(MIN);
  });

  it('formats durations as Grafana does ($__interval: largest unit) and exactly ($__rate_interval)', () => {
    expect([
      formatInterval(15_000),
      formatInterval(5 * MIN),
      formatInterval(500),
      formatInterval(90_000),
    ]).toEqual(['15s', '5m', '500ms', '1m']);
    expect([formatExactDuration(315_000), formatExactDuration(MIN), formatExactDuration(1_500)]).toEqual([
      '5m15s',
      '1m',
      '1s500ms',
    ]);
    expect([parseDurationMs('1m30s'), parseDurationMs('15s'), parseDurationMs('soon')]).toEqual([
      90_000,
      15_000,
      undefined,
    ]);
  });
});

describe('built-in macros', () => {
  const timing = queryTiming({ rangeMs: 360 * MIN });
  it.each([
    ['rate(x[$__rate_interval])', 'rate(x[5m15s])'],
    ['rate(x[${__rate_interval}])', 'rate(x[5m15s])'],
    ['$__rate_interval_ms', '315000'],
    ['avg_over_time(x[$__interval])', 'avg_over_time(x[5m])'],
    ['$__interval_ms', '300000'],
    ['increase(x[$__range])', 'increase(x[21600s])'],
    ['x / $__range_s', 'x / 21600'],
    ['$__range_ms', '21600000'],
    ['$__unknown stays', '$__unknown stays'],
  ])('%s → %s', (expr, expected) => {
    expect(interpolateMacros(expr, timing)).toBe(expected);
  });
});

describe('template variables', () => {
  const variable = (v: Partial<TemplateVariable>): TemplateVariable => ({ name: 'service', ...v });
  const options = ['orchestrator-service', 'data-router', 'mind-kb'].map((value) => ({ value, text: value }));
  const promql = (expr: string, v: TemplateVariable) =>
    interpolateVariables(expr, [resolveVariable(v)], 'promql');
  const logql = (expr: string, v: TemplateVariable) =>
    interpolateVariables(expr, [resolveVariable(v)], 'logql');

  it('a single value is used as written (only backslashes and quotes escaped)', () => {
    const v = variable({ current: { value: 'mind-kb.v2' } });
    expect(promql('up{service="$service"}', v)).toBe('up{service="mind-kb.v2"}');
    expect(promql('up{service="${service}"}', v)).toBe('up{service="mind-kb.v2"}');
    expect(promql('up{service="[[service]]"}', v)).toBe('up{service="mind-kb.v2"}');
  });

  it('multi-value becomes a regex group for PromQL and a bare alternation for LogQL', () => {
    const v = variable({ multi: true, current: { value: ['orchestrator-service', 'data-router'] } });
    expect(promql('up{service=~"$service"}', v)).toBe('up{service=~"(orchestrator-service|data-router)"}');
    expect(logql('{service=~"$service"}', v)).toBe('{service=~"orchestrator-service|data-router"}');
  });

  it('a multi-value selection of one value is regex-escaped, without a group', () => {
    const v = variable({ multi: true, current: { value: ['mind-kb.v2'] } });
    expect(promql('up{service=~"$service"}', v)).toBe('up{service=~"mind-kb\\\\.v2"}');
  });

  it('All without a custom all value expands to every option', () => {
    const v = variable({
      includeAll: true,
      current: { value: ['$__all'] },
      options: [{ value: '$__all' }, ...options],
    });
    expect(promql('up{service=~"$service"}', v)).toBe(
      'up{service=~"(orchestrator-service|data-router|mind-kb)"}',
    );
    expect(logql('{service=~"$service"}', v)).toBe('{service=~"orchestrator-service|data-router|mind-kb"}');
  });

  it('All with a custom all value uses it raw', () => {
    const v = variable({ includeAll: true, allValue: '.+', current: { value: '$__all' }, options });
    expect(promql('up{service=~"$service"}', v)).toBe('up{service=~".+"}');
  });

  it("All on a custom variable expands its query's values", () => {
    const v = variable({
      type: 'custom',
      includeAll: true,
      query: 'a, b : beta',
      current: { value: '$__all' },
    });
    expect(promql('up{service=~"$service"}', v)).toBe('up{service=~"(a|beta)"}');
  });

  it('All on a query variable with no stored options takes the values looked up', () => {
    const v = variable({
      type: 'query',
      includeAll: true,
      query: 'label_values(up, service)',
      current: { value: '$__all' },
    });
    expect(interpolateVariables('$service', [resolveVariable(v, ['x', 'y'])], 'promql')).toBe('(x|y)');
    expect(labelValuesQuery(v.query)).toEqual({ metric: 'up', label: 'service' });
    expect(labelValuesQuery({ query: 'label_values(service)' })).toEqual({ label: 'service' });
  });

  it.each([
    ['${service:csv}', 'a,b'],
    ['${service:pipe}', 'a|b'],
    ['${service:regex}', '(a|b)'],
    ['${service:glob}', '{a,b}'],
    ['${service:raw}', 'a,b'],
    ['[[service:pipe]]', 'a|b'],
  ])('the %s format gives %s', (expr, expected) => {
    expect(promql(expr, variable({ multi: true, current: { value: ['a', 'b'] } }))).toBe(expected);
  });

  it('leaves unknown variables and built-in macros for later', () => {
    expect(promql('rate(x{a="$other"}[$__rate_interval])', variable({ current: { value: 'v' } }))).toBe(
      'rate(x{a="$other"}[$__rate_interval])',
    );
  });

  it('interpolates variables first, then macros', () => {
    const v = resolveVariable(variable({ name: 'window', current: { value: '$__interval' } }));
    expect(
      interpolateQuery('rate(x[$window])', {
        variables: [v],
        language: 'promql',
        timing: queryTiming({ rangeMs: 15 * MIN }),
      }),
    ).toBe('rate(x[15s])');
  });
});
