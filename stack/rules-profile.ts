/**
 * The time-compressed rules profile the live alert drills run against: the catalog's recording and
 * alert rules rendered with ONE time factor applied to every `for:` duration, range window, subquery
 * range and step, and offset (catalog/render-rules.ts; scaleExpr in catalog/expressions.ts reads them
 * from the PromQL syntax tree, so a `[5m]` inside a label matcher's string is left alone), and a StackTiming whose scrape and evaluation intervals are scaled by
 * the same factor, so a shortened window still holds as many samples as in production.
 *
 * The factor is 1/15 (DRILL_TIME_SCALE). Why not 1/30: the scrape interval would be 0.5 s, and
 * although Prometheus accepts sub-second durations written as `500ms`, the Prometheus spec renders
 * intervals as `<n>s` and Prometheus 2.42 refuses `0.5s` ("not a valid duration string"); 1/15 is
 * the largest factor that keeps the seed's 15 s interval a whole second. At 1/15:
 *   scrape / evaluation interval 15s → 1s
 *   for: 1m → 4s, 2m → 8s, 5m → 20s, 10m → 40s
 *   range windows [5m] → [20s] (20 samples, as [5m] holds 20 at 15 s), [30m] → [2m], [1h] → [4m],
 *   [6h] → [24m], [30d] → [2d]
 * Alertmanager's group_wait and group_interval are not a rule property but delivery latency: they are
 * set to 1 s (not scaled) so a notification follows its alert within about a second.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  ALERT_RULES,
  RECORDING_RULES,
  expressionDurations,
  parseDurationMs,
  renderAlertRules,
  renderRecordingRules,
  scaleDuration,
  type Phase,
} from '../catalog/index.ts';
import { HarnessError } from '../core/index.ts';
import { PRODUCTION_TIMING, type StackTiming } from './spec/index.ts';

/** The drills' time factor: production 15 s scrape → 1 s, `for: 5m` → 20 s (see the file comment). */
export const DRILL_TIME_SCALE = 1 / 15;

/** Alertmanager delivery timings of the profile: small, not scaled (a notification within ~1 s). */
const DRILL_GROUP_WAIT_S = 1;
const DRILL_GROUP_INTERVAL_S = 1;

/** One alert rule as rendered into the profile's YAML (what a test may mutate). */
export interface RenderedAlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RulesProfileOptions {
  /** Default DRILL_TIME_SCALE; 15 s × timeScale must be a whole number of seconds. */
  timeScale?: number;
  /** Render only rules of phases 1..maxPhase (default: all). */
  maxPhase?: Phase;
  /**
   * Tests only: rewrites rendered alert rules (a misspelt metric, a template naming a missing
   * label), to prove the drills catch the defect. The file then says it was mutated.
   */
  editAlertRule?: (rule: RenderedAlertRule) => RenderedAlertRule;
}

export interface RulesProfile {
  /** Directory holding the rendered files. */
  dir: string;
  timeScale: number;
  /** Absolute paths of the recording and alert rule files, for startLocalStack's `ruleFiles`. */
  ruleFiles: string[];
  /** Scrape/evaluation intervals scaled by the same factor; Alertmanager timings small. */
  timing: StackTiming;
  /** Every production duration the rules use, with its value in the profile (`5m` → `20s`). */
  mapping: Record<string, string>;
}

/** The StackTiming of a profile: scrape and evaluation intervals × timeScale, whole seconds. */
export function profileTiming(timeScale: number): StackTiming {
  const intervalS = PRODUCTION_TIMING.scrapeIntervalS * timeScale;
  const evaluationS = PRODUCTION_TIMING.evaluationIntervalS * timeScale;
  const whole = (s: number) => Math.abs(s - Math.round(s)) < 1e-9 && Math.round(s) >= 1;
  if (!whole(intervalS) || !whole(evaluationS)) {
    throw new HarnessError(
      `time scale ${timeScale} makes the ${PRODUCTION_TIMING.scrapeIntervalS}s scrape interval ${intervalS}s, not a whole number of seconds`,
      {
        where: 'stack/rules-profile.ts',
        hint: 'the Prometheus spec renders intervals as `<n>s` and Prometheus refuses fractional seconds ("0.5s"): use 1/15, 1/5, 1/3 or 1',
      },
    );
  }
  return {
    scrapeIntervalS: Math.round(intervalS),
    evaluationIntervalS: Math.round(evaluationS),
    groupWaitS: DRILL_GROUP_WAIT_S,
    groupIntervalS: DRILL_GROUP_INTERVAL_S,
    repeatIntervalS: Math.max(60, Math.round(PRODUCTION_TIMING.repeatIntervalS * timeScale)),
    resolveTimeoutS: Math.max(1, Math.round(PRODUCTION_TIMING.resolveTimeoutS * timeScale)),
  };
}

/**
 * Every `for:` and range window (subquery ranges included) of the rules of phases ≤ maxPhase,
 * production → profile; the windows are read from each expression's syntax tree (expressionDurations).
 */
export function durationMapping(timeScale: number, maxPhase?: Phase): Record<string, string> {
  const inPhase = (p: Phase) => maxPhase === undefined || p <= maxPhase;
  const alerts = ALERT_RULES.filter((a) => inPhase(a.phase));
  const exprs = [
    ...RECORDING_RULES.filter((r) => inPhase(r.phase)).map((r) => r.expr),
    ...alerts.map((a) => a.expr),
  ];
  const durations = new Set<string>([
    ...alerts.map((a) => a.for),
    ...exprs.flatMap((e) =>
      expressionDurations(e)
        .filter((d) => d.role === 'range' || d.role === 'subquery-range')
        .map((d) => d.text),
    ),
  ]);
  const sorted = [...durations].sort((a, b) => parseDurationMs(a) - parseDurationMs(b));
  return Object.fromEntries(sorted.map((d) => [d, scaleDuration(d, timeScale, 1_000)]));
}

function mutatedAlertRules(
  options: RulesProfileOptions,
  edit: NonNullable<RulesProfileOptions['editAlertRule']>,
) {
  const rendered = renderAlertRules({ timeScale: options.timeScale, maxPhase: options.maxPhase });
  const doc = parse(rendered) as { groups: { name: string; rules: RenderedAlertRule[] }[] };
  const header = rendered
    .split('\n')
    .filter((l) => l.startsWith('#'))
    .join('\n');
  const groups = doc.groups.map((g) => ({ ...g, rules: g.rules.map((r) => edit(structuredClone(r))) }));
  return `${header}\n# MUTATED by a test (editAlertRule): not the catalog's rules.\n${stringify({ groups }, { lineWidth: 0 })}`;
}

/**
 * Writes the profile's rule files into `dir` (e.g. `out/<run-id>/rules-profile/`) and returns their
 * paths and the matching StackTiming, for `startLocalStack({ ruleFiles, timing })`.
 */
export function writeRulesProfile(dir: string, options: RulesProfileOptions = {}): RulesProfile {
  const timeScale = options.timeScale ?? DRILL_TIME_SCALE;
  const timing = profileTiming(timeScale);
  const render = { timeScale, ...(options.maxPhase === undefined ? {} : { maxPhase: options.maxPhase }) };
  mkdirSync(dir, { recursive: true });
  const recording = join(dir, 'recording-rules.yml');
  const alerts = join(dir, 'alert-rules.yml');
  writeFileSync(recording, renderRecordingRules(render));
  writeFileSync(
    alerts,
    options.editAlertRule ? mutatedAlertRules(render, options.editAlertRule) : renderAlertRules(render),
  );
  const mapping = durationMapping(timeScale, options.maxPhase);
  writeFileSync(
    join(dir, 'profile.json'),
    `${JSON.stringify({ timeScale, timing, mapping, mutated: options.editAlertRule !== undefined }, null, 2)}\n`,
  );
  return { dir, timeScale, ruleFiles: [recording, alerts], timing, mapping };
}
