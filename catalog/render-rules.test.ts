import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  ALERT_RULES,
  alertRuleGroups,
  formatDurationMs,
  parseDurationMs,
  RECORDING_RULES,
  recordingRuleGroups,
  renderAlertRules,
  renderRecordingRules,
  scaleDuration,
  scaleExpr,
} from './index.ts';

describe('rule rendering', () => {
  it('renders every recording rule once, grouped, as parseable YAML with a generated-file header', () => {
    const text = renderRecordingRules();
    expect(text.split('\n')[0]).toMatch(/GENERATED/);
    expect(text).toMatch(/npx tsx catalog\/generate-rules\.ts/);
    const doc = parse(text) as { groups: { name: string; rules: { record: string }[] }[] };
    expect(doc.groups.flatMap((g) => g.rules.map((r) => r.record))).toEqual(
      RECORDING_RULES.map((r) => r.record),
    );
    expect(doc.groups[0]?.name).toBe('phoenix_service_rules');
  });

  it('renders alerts with severity label and summary/description/runbook annotations', () => {
    const doc = parse(renderAlertRules()) as ReturnType<typeof alertRuleGroups>;
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(ALERT_RULES.map((a) => a.alert));
    for (const rule of rules) {
      expect(Object.keys(rule.annotations).sort()).toEqual(['description', 'runbook', 'summary']);
      expect(['warning', 'critical']).toContain(rule.labels.severity);
    }
  });

  it('keeps only rules up to maxPhase', () => {
    const phase1 = recordingRuleGroups({ maxPhase: 1 }).groups.flatMap((g) => g.rules.map((r) => r.record));
    expect(phase1).toContain('phoenix:error_rate:ratio_rate5m');
    expect(phase1).not.toContain('phoenix:error_budget:burn_rate1h');
    expect(alertRuleGroups({ maxPhase: 1 }).groups[0]?.rules).toEqual([]);
  });
});

describe('time-compressed profile', () => {
  it('parses and formats Prometheus durations', () => {
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(() => parseDurationMs('5 minutes')).toThrow(/not a Prometheus duration/);
    expect(formatDurationMs(5_400_000)).toBe('1h30m');
    expect(formatDurationMs(0)).toBe('0s');
  });

  it.each([
    ['5m', '10s'],
    ['10m', '20s'],
    ['1h', '2m'],
    ['6h', '12m'],
    ['30d', '1d'],
    ['1m', '2s'],
  ])('scales %s by 1/30 to %s', (from, to) => {
    expect(scaleDuration(from, 1 / 30)).toBe(to);
  });

  it('never scales a range window below 1s, and leaves factor 1 untouched', () => {
    expect(scaleExpr('rate(x[5m])', 1 / 1000)).toBe('rate(x[1s])');
    expect(scaleExpr('rate(x[5m])', 1)).toBe('rate(x[5m])');
  });

  it('scales range windows and subqueries but not rule names', () => {
    expect(
      scaleExpr('phoenix:error_rate:ratio_rate5m > 0 and rate(a[5m]) > max_over_time(b[30m:1m])', 1 / 30),
    ).toBe('phoenix:error_rate:ratio_rate5m > 0 and rate(a[10s]) > max_over_time(b[1m:2s])');
  });

  it('scales every for: and window of the rendered rules', () => {
    const alerts = alertRuleGroups({ timeScale: 1 / 30 }).groups.flatMap((g) => g.rules);
    expect(alerts.find((a) => a.alert === 'HighErrorRate')?.for).toBe('10s');
    expect(alerts.find((a) => a.alert === 'SlowResponseTime')?.expr).toContain('[10s]');
    const records = recordingRuleGroups({ timeScale: 1 / 30 }).groups.flatMap((g) => g.rules);
    expect(records.find((r) => r.record === 'phoenix:availability:ratio')?.expr).toContain('[2m]');
    expect(renderAlertRules({ timeScale: 1 / 30 })).toMatch(/Time-compressed profile/);
  });
});
