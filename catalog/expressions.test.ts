import { describe, expect, it } from 'vitest';
import {
  ALERT_RULES,
  METRICS,
  RECORDING_RULES,
  expressionDurations,
  expressionMetrics,
  expressionReferences,
  onEventMetrics,
  rangeWindowsMs,
  scaleExpr,
} from './index.ts';

const tokens = (expr: string) => expressionReferences(expr).map((r) => r.token);

describe('rangeWindowsMs', () => {
  it('reads range windows and subquery ranges, not steps, offsets or @ timestamps', () => {
    expect(rangeWindowsMs('rate(a[5m] offset 1h) > max_over_time(rate(b[1m30s])[30m:1m] @ 100)')).toEqual([
      300_000, 90_000, 1_800_000,
    ]);
    expect(rangeWindowsMs('phoenix:error_rate:ratio_rate5m > 0.05')).toEqual([]);
  });

  it('ignores brackets inside strings', () => {
    expect(rangeWindowsMs('rate(http{path="/x[10m]"}[5m])')).toEqual([300_000]);
  });

  it('reads every catalog rule', () => {
    for (const expr of [...RECORDING_RULES, ...ALERT_RULES].map((r) => r.expr))
      expect(() => rangeWindowsMs(expr)).not.toThrow();
    const rule = RECORDING_RULES.find((r) => r.record === 'phoenix:error_rate:ratio_rate5m');
    expect(rangeWindowsMs(rule?.expr ?? '')).toContain(300_000);
  });

  it('throws on a syntax error or a duration it cannot read', () => {
    expect(() => rangeWindowsMs('rate(x[5m]')).toThrow(/PromQL syntax error at offset \d+/);
    expect(() => rangeWindowsMs('rate(x[5m * 2])')).toThrow(
      /unsupported range duration "5m \* 2".*only a literal duration/,
    );
  });
});

describe('expressionDurations', () => {
  it('names the role of each duration, a negative offset without its sign', () => {
    expect(
      expressionDurations('max_over_time(x[5m:30s] offset -1h)').map((d) => [d.role, d.text, d.ms]),
    ).toEqual([
      ['subquery-range', '5m', 300_000],
      ['subquery-step', '30s', 30_000],
      ['offset', '1h', 3_600_000],
    ]);
  });
});

describe('scaleExpr (syntax tree, not text)', () => {
  it('does not scale a [5m] inside a string label matcher', () => {
    expect(scaleExpr('rate(http_requests_total{path="/x[5m]"}[5m])', 1 / 15)).toBe(
      'rate(http_requests_total{path="/x[5m]"}[20s])',
    );
  });

  it('scales offsets (a negative one too) and subquery steps, not @ timestamps', () => {
    expect(scaleExpr('rate(a[5m] offset 1h) - rate(a[5m] @ 600 offset -30m)', 1 / 15)).toBe(
      'rate(a[20s] offset 4m) - rate(a[20s] @ 600 offset -2m)',
    );
    expect(scaleExpr('max_over_time(rate(b[1m])[30m:])', 1 / 30)).toBe('max_over_time(rate(b[2s])[1m:])');
  });

  it('refuses an expression that does not parse rather than rewriting it', () => {
    expect(() => scaleExpr('rate(x[5m]) >', 1 / 15)).toThrow(/PromQL syntax error/);
  });
});

describe('expressionReferences (syntax tree, not text)', () => {
  it('names catalog metrics and rules, with histogram series mapped to their metric', () => {
    const refs = expressionReferences(
      'sum by (le) (rate(phoenix_service_request_duration_seconds_bucket[5m])) / phoenix:error_rate:ratio_rate5m',
    );
    expect(refs.map((r) => [r.token, r.metric?.name, r.rule?.record])).toEqual([
      [
        'phoenix_service_request_duration_seconds_bucket',
        'phoenix_service_request_duration_seconds',
        undefined,
      ],
      ['phoenix:error_rate:ratio_rate5m', undefined, 'phoenix:error_rate:ratio_rate5m'],
    ]);
  });

  it('does not take a metric name that contains a rule name for the rule', () => {
    expect(tokens('my:phoenix:error_rate:ratio_rate5m > 0')).toEqual([]);
    expect(expressionMetrics('my:phoenix:error_rate:ratio_rate5m')).toEqual([]);
  });

  it('does not take label names or strings for metrics', () => {
    expect(tokens('sum by (phoenix_service) (up{job="phoenix_http_requests_total"})')).toEqual([]);
  });

  it('reads a __name__ matcher, and reports an unknown catalog-looking name with neither set', () => {
    expect(expressionReferences('{__name__="phoenix_not_in_catalog"}')).toEqual([
      { token: 'phoenix_not_in_catalog' },
    ]);
  });

  it('still reads the names of an expression with a syntax error', () => {
    expect(tokens('rate(phoenix_http_requests_total[$__rate_interval])')).toEqual([
      'phoenix_http_requests_total',
    ]);
  });

  it('names the on-event metrics an expression reads, not those only its strings mention', () => {
    const onEvent = METRICS.find((m) => m.presence === 'on-event')?.name ?? '';
    expect(onEvent).not.toBe('');
    expect(onEventMetrics(`sum(rate(${onEvent}[5m]))`)).toEqual([onEvent]);
    expect(onEventMetrics(`sum(rate(phoenix_service_requests_total{note="${onEvent}"}[5m]))`)).toEqual([]);
  });
});
