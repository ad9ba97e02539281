import { describe, expect, it } from 'vitest';
import { UntranslatableQueryError } from './log-store.ts';
import { LogqlSyntaxError, logqlToLogsql, parseDurationMs, unquote } from './logql-to-logsql.ts';

describe('logqlToLogsql', () => {
  it.each([
    // The seed's dashboard log panels.
    ['{service="llm-service"}', '_stream:{service="llm-service"}'],
    ['{service=~".+-kb"}', '_stream:{service=~".+-kb"}'],
    // Every matcher; values re-quoted (escapes and raw strings decoded first).
    ['{service!="x", level!~"debug|info"}', '_stream:{service!="x",level!~"debug|info"}'],
    ['{service=`a\\b`}', '_stream:{service="a\\\\b"}'],
    ['{service="a\\"b\\u00e9"}', '_stream:{service="a\\"bé"}'],
    ['({service="x"})', '_stream:{service="x"}'],
    // Line filters: substring and unanchored regexp on the message, in order.
    ['{service="x"} |= "timeout"', '_stream:{service="x"} _msg:*"timeout"*'],
    ['{service="x"} != "debug"', '_stream:{service="x"} -_msg:*"debug"*'],
    ['{service="x"} |~ "err(or)?"', '_stream:{service="x"} _msg:~"err(or)?"'],
    ['{service="x"} !~ `\\d+ms`', '_stream:{service="x"} -_msg:~"\\\\d+ms"'],
    ['{service="x"} |= "a" != "b" |~ "c"', '_stream:{service="x"} _msg:*"a"* -_msg:*"b"* _msg:~"c"'],
    ['{service="x"} |= "a" or "b"', '_stream:{service="x"} (_msg:*"a"* or _msg:*"b"*)'],
    ['{service="x"} |= "a.b(c)*"', '_stream:{service="x"} _msg:*"a.b(c)*"*'],
  ])('translates the log query %s', (logql, logsql) => {
    expect(logqlToLogsql(logql)).toEqual({ logsql, kind: 'lines', lookbackMs: 0 });
  });

  it.each([
    [
      'sum by (service) (count_over_time({service=~".+-kb"}[5m]))',
      '_stream:{service=~".+-kb"} | stats by (service) count() logql_count',
      300_000,
    ],
    [
      'sum(count_over_time({service="x"} |= "error" [1m])) by (service, level)',
      '_stream:{service="x"} _msg:*"error"* | stats by (service, level) count() logql_count',
      60_000,
    ],
    ['sum(rate({service="x"}[1m30s]))', '_stream:{service="x"} | stats count() logql_count', 90_000],
    ['rate({service="x"}[30s])', '_stream:{service="x"} | stats by (_stream) count() logql_count', 30_000],
  ])('translates the metric query %s', (logql, logsql, lookbackMs) => {
    expect(logqlToLogsql(logql)).toEqual({ logsql, kind: 'series', lookbackMs });
  });

  it.each([
    ['{service="x"} | json', 'a parser stage (`json`)'],
    ['{service="x"} | logfmt', 'logfmt'],
    ['{service="x"} | level="error"', 'a label filter (`level="error"`)'],
    ['{service="x"} | line_format "{{.msg}}"', 'line_format'],
    ['{service="x"} |= ip("10.0.0.1")', 'an ip() line filter'],
    ['{service="x"} |> "<_> error <_>"', 'a pattern line filter'],
    ['{service="x"} != "a" or "b"', 'a negated line filter with `or`'],
    ['sum by (x) (count_over_time({service="x"} | json [1m]))', 'a parser stage'],
    ['sum by (x) (count_over_time({service="x"} | unwrap latency [1m]))', 'unwrap'],
    ['sum without (level) (rate({service="x"}[1m]))', '`without` grouping'],
    ['avg by (service) (rate({service="x"}[1m]))', 'the avg aggregation'],
    ['bytes_over_time({service="x"}[1m])', 'the bytes_over_time function'],
    ['sum(rate({service="x"}[1m])) > 0', 'a binary operation'],
    ['count_over_time({service="x"}[1m] offset 5m)', 'offset'],
  ])('refuses %s, naming %s', (logql, reason) => {
    let error: unknown;
    try {
      logqlToLogsql(logql);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UntranslatableQueryError);
    expect((error as UntranslatableQueryError).logql).toBe(logql);
    expect((error as UntranslatableQueryError).reason).toContain(reason);
    expect((error as Error).message).toMatch(/^no exact LogsQL translation of /);
  });

  it.each(['{service="x"', 'service="x"', '', '{service="x"} |= '])(
    'throws a syntax error with its position for %j',
    (logql) => {
      expect(() => logqlToLogsql(logql)).toThrowError(LogqlSyntaxError);
      expect(() => logqlToLogsql(logql)).toThrowError(/^parse error at line 1, col \d+/);
    },
  );
});

describe('unquote and parseDurationMs', () => {
  it('decodes Go string literals as LogQL does', () => {
    expect(unquote('"a\\tb\\\\c\\x41\\101\\u00e9"')).toBe('a\tb\\cAAé');
    expect(unquote('`raw\\n`')).toBe('raw\\n');
    expect(() => unquote('"bad \\q"')).toThrowError(LogqlSyntaxError);
  });

  it('reads Prometheus durations, and nothing else', () => {
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('$__interval')).toBeUndefined();
  });
});
