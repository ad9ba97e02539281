import {
  expressionReferences,
  parseDurationMs,
  rangeWindowsMs,
  type AlertRuleDef,
} from '../../catalog/index.ts';
import type { DrillProfile } from '../context.ts';

/**
 * How long each drill stage may take: pure functions of the catalog rule and the time profile
 * (the rule's own windows and `for:`, Prometheus' and Alertmanager's intervals, all scaled).
 */

/** The seed's timings (stack/spec PRODUCTION_TIMING): drills without a profile run at production scale. */
export const PRODUCTION_PROFILE: DrillProfile = {
  timeScale: 1,
  timing: { scrapeIntervalS: 15, evaluationIntervalS: 15, groupWaitS: 30, groupIntervalS: 300 },
};
/** Deadline slack, in scrape+evaluation rounds: a scraped change is seen by a rule within one of each. */
export const LAG_ROUNDS = 5;

/** The longest range window `expr` reads, through the recording rules it names (production scale). */
export function longestWindowMs(expr: string, depth = 0): number {
  let longest = Math.max(0, ...rangeWindowsMs(expr));
  if (depth < 5) {
    for (const ref of expressionReferences(expr))
      if (ref.rule) longest = Math.max(longest, longestWindowMs(ref.rule.expr, depth + 1));
  }
  return longest;
}

export interface DrillDeadlines {
  /** From fault on until the alert is pending: its window fills with the fault's effect. */
  pendingMs: number;
  /** From pending until firing: its `for:`. */
  firingMs: number;
  /** From firing until every receiver got it: Alertmanager's group_wait. */
  deliveredMs: number;
  /** From fault off until the resolved notification: the window drains, then one group_interval. */
  resolvedMs: number;
  pollMs: number;
}

/** How long each stage may take, from the rule's own `for:` and windows at the profile's scale. */
export function drillDeadlines(alert: AlertRuleDef, profile: DrillProfile): DrillDeadlines {
  const { timing, timeScale } = profile;
  const evalMs = timing.evaluationIntervalS * 1000;
  const lagMs = LAG_ROUNDS * (timing.scrapeIntervalS * 1000 + evalMs);
  const windowMs = longestWindowMs(alert.expr) * timeScale;
  const forMs = parseDurationMs(alert.for) * timeScale;
  const alertmanagerMs = (timing.groupWaitS + timing.groupIntervalS) * 1000;
  return {
    pendingMs: Math.round(windowMs + lagMs),
    firingMs: Math.round(forMs + lagMs),
    deliveredMs: Math.round(alertmanagerMs + lagMs),
    resolvedMs: Math.round(windowMs + alertmanagerMs + lagMs),
    pollMs: Math.round(Math.min(250, Math.max(5, evalMs / 4))),
  };
}
