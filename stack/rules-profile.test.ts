import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expressionDurations } from '../catalog/index.ts';
import { DRILL_TIME_SCALE, profileTiming, writeRulesProfile } from './rules-profile.ts';

const PROMTOOL = [
  join(homedir(), '.cache/phoenix-harness/prometheus-2.42.0/bin/promtool'),
  '/usr/bin/promtool',
].find((p) => existsSync(p));

interface RuleFile {
  groups: { rules: { alert?: string; record?: string; expr: string; for?: string }[] }[];
}
const rules = (file: string) =>
  (parse(readFileSync(file, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);

describe('writeRulesProfile', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'phx-profile-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('scales every duration and the scrape/evaluation intervals by the same factor (1/15)', () => {
    const profile = writeRulesProfile(join(tmp, 'default'));
    expect(profile.timeScale).toBe(DRILL_TIME_SCALE);
    expect(profile.timing).toMatchObject({
      scrapeIntervalS: 1,
      evaluationIntervalS: 1,
      groupWaitS: 1,
      groupIntervalS: 1,
    });
    expect(profile.mapping).toMatchObject({
      '1m': '4s',
      '2m': '8s',
      '5m': '20s',
      '10m': '40s',
      '1h': '4m',
      '6h': '24m',
    });
    const [recording, alerts] = profile.ruleFiles.map(rules);
    const her = alerts?.find((r) => r.alert === 'HighErrorRate');
    expect(her).toMatchObject({ expr: 'phoenix:error_rate:ratio_rate5m > 0.05', for: '20s' });
    expect(recording?.find((r) => r.record === 'phoenix:error_rate:ratio_rate5m')?.expr).toContain('[20s]');
    expect(JSON.parse(readFileSync(join(profile.dir, 'profile.json'), 'utf8'))).toMatchObject({
      mutated: false,
    });
  });

  it('scales every window of every profile rule, read from the syntax tree, as a mapped production window', () => {
    const profile = writeRulesProfile(join(tmp, 'windows'));
    const scaled = new Set(Object.values(profile.mapping));
    const windows = profile.ruleFiles
      .flatMap(rules)
      .flatMap((r) =>
        expressionDurations(r.expr).filter((d) => d.role === 'range' || d.role === 'subquery-range'),
      )
      .map((d) => d.text);
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.filter((w) => !scaled.has(w))).toEqual([]);
  });

  it('refuses a factor that would make the scrape interval a fraction of a second', () => {
    expect(() => profileTiming(1 / 30)).toThrow(/0\.5s, not a whole number of seconds/);
  });

  it('applies a test mutation to the rendered alert rules only, and says so', () => {
    const profile = writeRulesProfile(join(tmp, 'mutated'), {
      editAlertRule: (r) => (r.alert === 'ServiceDown' ? { ...r, expr: 'upp == 0' } : r),
    });
    const alerts = rules(profile.ruleFiles[1] ?? '');
    expect(alerts.find((r) => r.alert === 'ServiceDown')?.expr).toBe('upp == 0');
    expect(alerts.find((r) => r.alert === 'HighErrorRate')?.for).toBe('20s');
    expect(readFileSync(profile.ruleFiles[1] ?? '', 'utf8')).toMatch(/^# MUTATED by a test/m);
  });

  it.skipIf(!PROMTOOL)('is accepted by promtool check rules', () => {
    const profile = writeRulesProfile(join(tmp, 'promtool'));
    const out = execFileSync(PROMTOOL ?? '', ['check', 'rules', ...profile.ruleFiles], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS/);
  });
});
