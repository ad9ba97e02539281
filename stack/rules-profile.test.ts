import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expressionDurations } from '../catalog/index.ts';
import { DRILL_TIME_SCALE, profileTiming, writeRulesProfile } from './rules-profile.ts';
import { prometheusSpec } from './spec/prometheus.ts';

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

  it('scales every duration and the scrape/evaluation intervals by the same factor (1/30)', () => {
    const profile = writeRulesProfile(join(tmp, 'default'));
    expect(profile.timeScale).toBe(DRILL_TIME_SCALE);
    expect(profile.timing).toMatchObject({
      scrapeIntervalS: 0.5,
      evaluationIntervalS: 0.5,
      groupWaitS: 1,
      groupIntervalS: 1,
    });
    expect(profile.mapping).toMatchObject({
      '1m': '2s',
      '2m': '4s',
      '5m': '10s',
      '10m': '20s',
      '30m': '1m',
      '1h': '2m',
      '6h': '12m',
      '30d': '1d',
    });
    const [recording, alerts] = profile.ruleFiles.map(rules);
    const her = alerts?.find((r) => r.alert === 'HighErrorRate');
    expect(her).toMatchObject({ expr: 'phoenix:error_rate:ratio_rate5m > 0.05', for: '10s' });
    expect(recording?.find((r) => r.record === 'phoenix:error_rate:ratio_rate5m')?.expr).toContain('[10s]');
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

  it('keeps the scrape interval in whole milliseconds, and refuses one a scrape cannot be answered in', () => {
    expect(profileTiming(1 / 60)).toMatchObject({ scrapeIntervalS: 0.25, evaluationIntervalS: 0.25 });
    expect(() => profileTiming(1 / 120)).toThrow(
      /scrape interval 125ms, not a whole number of milliseconds ≥ 250ms/,
    );
    expect(() => profileTiming(1 / 45)).toThrow(/333\.333ms, not a whole number of milliseconds/);
  });

  it('applies a test mutation to the rendered alert rules only, and says so', () => {
    const profile = writeRulesProfile(join(tmp, 'mutated'), {
      editAlertRule: (r) => (r.alert === 'ServiceDown' ? { ...r, expr: 'upp == 0' } : r),
    });
    const alerts = rules(profile.ruleFiles[1] ?? '');
    expect(alerts.find((r) => r.alert === 'ServiceDown')?.expr).toBe('upp == 0');
    expect(alerts.find((r) => r.alert === 'HighErrorRate')?.for).toBe('10s');
    expect(readFileSync(profile.ruleFiles[1] ?? '', 'utf8')).toMatch(/^# MUTATED by a test/m);
  });

  it.skipIf(!PROMTOOL)('is accepted by promtool check rules', () => {
    const profile = writeRulesProfile(join(tmp, 'promtool'));
    const out = execFileSync(PROMTOOL ?? '', ['check', 'rules', ...profile.ruleFiles], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS/);
  });

  it.skipIf(!PROMTOOL)('renders sub-second intervals as a Prometheus config promtool accepts (500ms)', () => {
    const profile = writeRulesProfile(join(tmp, 'config'));
    const rendered = prometheusSpec.render({
      bindHost: '127.0.0.1',
      port: () => 9090,
      peer: (component, port) => `${component}:${port}`,
      configDir: profile.dir,
      dataDir: join(tmp, 'data'),
      fleetLogDir: join(tmp, 'logs'),
      ruleFiles: profile.ruleFiles,
      scrapeTargetsFile: join(tmp, 'targets.json'),
      timing: profile.timing,
      environment: 'test',
      logStore: 'victorialogs',
      traceStore: 'memory',
      hostDir: (name) => join(tmp, name),
      secret: (name) => `secret-${name}`,
    });
    const config = rendered.files['prometheus.yml'] ?? '';
    expect(parse(config)).toMatchObject({
      global: { scrape_interval: '500ms', evaluation_interval: '500ms' },
    });
    const file = join(tmp, 'config', 'prometheus.yml');
    writeFileSync(file, config);
    const out = execFileSync(PROMTOOL ?? '', ['check', 'config', '--syntax-only', file], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/SUCCESS/);
  });
});
