/**
 * Renders the catalog's recording and alert rules as Prometheus rule files (YAML rule groups).
 * The committed files under stack/prometheus/rules/ are this output (generate-rules.ts writes them).
 */
import { stringify } from 'yaml';
import { scaleDuration } from './durations.ts';
import { scaleExpr } from './expressions.ts';
import { ALERT_RULES, DEFAULT_RULE_GROUP, RECORDING_RULES } from './rules.ts';
import type { AlertRuleDef, Phase, RecordingRuleDef } from './types.ts';

export interface RenderRulesOptions {
  /**
   * Multiplies every `for:` duration and every range window (`[5m]`, `[1h]`, subquery ranges and
   * steps, offsets) in the expressions (scaleExpr, catalog/expressions.ts); 1/30 turns 5m into 10s (the time-compressed profile). Rule names are untouched. The
   * caller must scrape and evaluate often enough for the shortened windows (at least 2 samples each).
   */
  timeScale?: number;
  /** Render only rules of phases 1..maxPhase (default: all). */
  maxPhase?: Phase;
}

/** Repository-relative paths of the generated rule files. */
export const RULE_FILES = {
  recording: 'stack/prometheus/rules/recording-rules.yml',
  alerts: 'stack/prometheus/rules/alert-rules.yml',
} as const;

const ALERT_GROUP = 'phoenix_alerts';

function inPhase(phase: Phase, options: RenderRulesOptions): boolean {
  return options.maxPhase === undefined || phase <= options.maxPhase;
}

function header(what: string, options: RenderRulesOptions): string {
  const lines = [
    `# ${what}: GENERATED from catalog/rules.ts by catalog/generate-rules.ts. Do not edit by hand.`,
    '# Regenerate with `npx tsx catalog/generate-rules.ts`; catalog/rules-drift.test.ts fails on drift.',
  ];
  const scale = options.timeScale ?? 1;
  if (scale !== 1) lines.push(`# Time-compressed profile: durations and range windows x${scale}.`);
  if (options.maxPhase !== undefined) lines.push(`# Rules of phases 1..${options.maxPhase} only.`);
  return `${lines.join('\n')}\n`;
}

const toYaml = (doc: unknown): string => stringify(doc, { lineWidth: 0 });

export function recordingRuleGroups(options: RenderRulesOptions = {}) {
  const scale = options.timeScale ?? 1;
  const groups = new Map<string, { record: string; expr: string }[]>();
  for (const rule of RECORDING_RULES.filter((r: RecordingRuleDef) => inPhase(r.phase, options))) {
    const name = rule.group ?? DEFAULT_RULE_GROUP;
    const rules = groups.get(name) ?? [];
    rules.push({ record: rule.record, expr: scaleExpr(rule.expr, scale) });
    groups.set(name, rules);
  }
  return { groups: [...groups].map(([name, rules]) => ({ name, rules })) };
}

export function alertRuleGroups(options: RenderRulesOptions = {}) {
  const scale = options.timeScale ?? 1;
  const rules = ALERT_RULES.filter((a: AlertRuleDef) => inPhase(a.phase, options)).map((a) => ({
    alert: a.alert,
    expr: scaleExpr(a.expr, scale),
    for: scaleDuration(a.for, scale),
    labels: { severity: a.severity, ...a.labels },
    annotations: { ...a.annotations, runbook: a.runbook },
  }));
  return { groups: [{ name: ALERT_GROUP, rules }] };
}

export function renderRecordingRules(options: RenderRulesOptions = {}): string {
  return header('Recording rules', options) + toYaml(recordingRuleGroups(options));
}

export function renderAlertRules(options: RenderRulesOptions = {}): string {
  return header('Alert rules', options) + toYaml(alertRuleGroups(options));
}

/** Both files, keyed by repository-relative path. */
export function renderRuleFiles(options: RenderRulesOptions = {}): Record<string, string> {
  return {
    [RULE_FILES.recording]: renderRecordingRules(options),
    [RULE_FILES.alerts]: renderAlertRules(options),
  };
}
