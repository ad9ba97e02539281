import { describe, expect, it } from 'vitest';
import { logqlParser, parseLogqlGrammar, parsePromql } from './parse.ts';

describe("panel query parsing with Prometheus' and Grafana's grammars", () => {
  it.each([
    'sum by (service) (rate(phoenix_service_requests_total[5m]))',
    'phoenix:service_up:max{service=~"(a|b)"}',
    'histogram_quantile(0.95, sum by (le) (rate(x_bucket[1m15s])))',
    'max by (service) (x and on (instance) y{service="data-router"})',
  ])('PromQL %s parses', (expr) => {
    expect(parsePromql(expr)).toEqual({ ok: true });
  });

  it.each([
    ['sum(rate(x[5m])', '1:16: parse error at the end of the query (unclosed bracket or missing operand?)'],
    ['rate(x[$__rate_interval])', '1:8: parse error near "$__rate_interval])"'],
    ['foo bar', '1:5: parse error near "bar"'],
  ])('PromQL %s does not parse: %s', (expr, error) => {
    expect(parsePromql(expr)).toEqual({ ok: false, error });
  });

  it('LogQL: the grammar without a log store', async () => {
    expect(parseLogqlGrammar('{service=~".+-kb"} |= "error"')).toEqual({ ok: true });
    expect(parseLogqlGrammar('{service="x"')).toMatchObject({ ok: false });
    await expect(logqlParser()('service')).resolves.toMatchObject({
      ok: false,
      error: expect.stringMatching(/^1:1: parse error/),
    });
  });
});
