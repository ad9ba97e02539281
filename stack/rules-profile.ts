/**
 * The time-compressed rules profile the live alert drills run against: the catalog's recording and
 * alert rules rendered with ONE time factor applied to every `for:` duration, range window, subquery
 * range and step, and offset (catalog/render-rules.ts; scaleExpr in catalog/expressions.ts reads them
 * from the PromQL syntax tree, so a `[5m]` inside a label matcher's string is left alone), and a StackTiming whose scrape and evaluation intervals are scaled by
 * the same factor, so a shortened window still holds as many samples as in production.
 *
 * The factor is 1/30 (DRILL_TIME_SCALE): the seed's 15 s scrape and evaluation intervals become
 * 500 ms, which the Prometheus spec renders as `500ms` (Prometheus reads model.Duration; it refuses
 * `0.5s`). Every rule duration stays a whole number of seconds:
 *   scrape / evaluation interval 15s → 500ms
 *   for: 1m → 2s, 2m → 4s, 5m → 10s, 10m → 20s
 *   range windows [5m] → [10s] (20 samples, as [5m] holds 20 at 15 s), [30m] → [1m], [1h] → [2m],
 *   [6h] → [12m], [30d] → [1d]
 * Why not further (1/60, 250 ms): the scrape timeout cannot exceed the interval, so a mock service
 * or the stack answering a scrape 250 ms late on a busy two-core machine would count as down
 * (`up == 0`, ServiceDown's signal; a steady-state false alarm), and Prometheus' and the fleet's
 * scrape cost doubles again; at 500 ms the 14 targets cost about a core-percent (README "Alert drills").
 * What the factor cannot shorten: a resolution waits until the fault's samples leave the longest
 * window the alert still holds true (ErrorBudgetBurn's slow-burn leg: [30m] → [1m]), Alertmanager's
 * delivery (below), and [30d] windows (a day of data never exists in a run).
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

/** The drills' time factor: production 15 s scrape → 500 ms, `for: 5m` → 10 s (see the file comment). */
export const DRILL_TIME_SCALE = 1 / 30;
/** The shortest scrape/evaluation interval a profile may have: a scrape must be answered within it. */
const MIN_INTERVAL_MS = 250;

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
  /** Default DRILL_TIME_SCALE; 15 s × timeScale must be a whole number of milliseconds, ≥ 250 ms. */
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

/**
 * The StackTiming of a profile: scrape and evaluation intervals × timeScale, in whole milliseconds
 * (the Prometheus spec renders a fraction of a second as `500ms`), at least MIN_INTERVAL_MS.
 */
export function profileTiming(timeScale: number): StackTiming {
  const intervalMs = PRODUCTION_TIMING.scrapeIntervalS * 1000 * timeScale;
  const evaluationMs = PRODUCTION_TIMING.evaluationIntervalS * 1000 * timeScale;
  const usable = (ms: number) => Math.abs(ms - Math.round(ms)) < 1e-6 && Math.round(ms) >= MIN_INTERVAL_MS;
  if (!usable(intervalMs) || !usable(evaluationMs)) {
    throw new HarnessError(
      `time scale ${timeScale} makes the ${PRODUCTION_TIMING.scrapeIntervalS}s scrape interval ${+intervalMs.toFixed(3)}ms, not a whole number of milliseconds ≥ ${MIN_INTERVAL_MS}ms`,
      {
        where: 'stack/rules-profile.ts',
        hint: `Prometheus reads intervals in whole milliseconds, and a scrape must be answered within one: use 1/30 (500 ms), 1/15, 1/5 or 1`,
      },
    );
  }
  return {
    scrapeIntervalS: Math.round(intervalMs) / 1000,
    evaluationIntervalS: Math.round(evaluationMs) / 1000,
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
