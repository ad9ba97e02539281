/**
 * Grafana's query interpolation, as the harness needs it to run a panel's target without Grafana:
 * the interval and range macros (`$__interval`, `$__rate_interval`, `$__range`…) and dashboard
 * template variables (single, multi-value, All with or without a custom all value). The rules are
 * Grafana's documented ones; the comments name the Grafana function each one follows.
 */
import { parseDurationMs } from '../../core/index.ts';

/** What a panel's query language is, for the default variable formatting. */
export type QueryLanguage = 'promql' | 'logql';

/** The time values of one panel run (all milliseconds). */
export interface QueryTiming {
  rangeMs: number;
  /** `$__interval`: the range over max data points, rounded per Grafana's table, floored at the min interval. */
  intervalMs: number;
  /** `$__rate_interval`: max($__interval + scrape interval, 4 × scrape interval). */
  rateIntervalMs: number;
}

/** Grafana's `/api/ds/query` default when a query carries no maxDataPoints. */
export const DEFAULT_MAX_DATA_POINTS = 100;
/** Grafana's default scrape interval of a Prometheus datasource (`jsonData.timeInterval` unset; ours sets 15s too). */
export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000;

/** Grafana's interval rounding table (rangeutil.roundInterval): [below this, use this]. */
const ROUND_INTERVAL: readonly (readonly [number, number])[] = [
  [15, 10],
  [35, 20],
  [75, 50],
  [150, 100],
  [350, 200],
  [750, 500],
  [1_500, 1_000],
  [3_500, 2_000],
  [7_500, 5_000],
  [12_500, 10_000],
  [17_500, 15_000],
  [25_000, 20_000],
  [45_000, 30_000],
  [90_000, 60_000],
  [210_000, 120_000],
  [450_000, 300_000],
  [750_000, 600_000],
  [1_050_000, 900_000],
  [1_500_000, 1_200_000],
  [2_700_000, 1_800_000],
  [5_400_000, 3_600_000],
  [9_000_000, 7_200_000],
  [16_200_000, 10_800_000],
  [32_400_000, 21_600_000],
  [86_400_000, 43_200_000],
  [604_800_000, 86_400_000],
  [1_814_400_000, 604_800_000],
  [3_628_800_000, 2_592_000_000],
];
const ONE_YEAR_MS = 31_536_000_000;

export { parseDurationMs };

export function roundInterval(ms: number): number {
  return ROUND_INTERVAL.find(([below]) => ms < below)?.[1] ?? ONE_YEAR_MS;
}

/**
 * `$__interval` and `$__rate_interval` for a range (rangeutil.calculateInterval, then the Prometheus
 * datasource's rate interval). `minIntervalMs` is the panel's or query's "Min interval"; the scrape
 * interval is the query's "Min step" if set, else the datasource's scrape interval.
 */
export function queryTiming(options: {
  rangeMs: number;
  maxDataPoints?: number;
  minIntervalMs?: number;
  scrapeIntervalMs?: number;
}): QueryTiming {
  const scrape = options.scrapeIntervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS;
  const resolution = options.maxDataPoints ?? DEFAULT_MAX_DATA_POINTS;
  const lowLimit = options.minIntervalMs ?? scrape;
  const intervalMs = Math.max(roundInterval(options.rangeMs / resolution), lowLimit);
  return {
    rangeMs: options.rangeMs,
    intervalMs,
    rateIntervalMs: Math.max(intervalMs + scrape, 4 * scrape),
  };
}

/** Grafana's `$__interval` text (gtime.FormatInterval): the largest whole unit. */
export function formatInterval(ms: number): string {
  const units: [string, number][] = [
    ['y', ONE_YEAR_MS],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ];
  for (const [unit, size] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return '1ms';
}

/** An exact duration (`1m15s`, `500ms`): `$__rate_interval` is not rounded, so it must not lose parts. */
export function formatExactDuration(ms: number): string {
  const units: [string, number][] = [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ];
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0s';
}

/** The built-in macros' values for one run. */
export function macroValues(t: QueryTiming): Record<string, string> {
  const rangeS = Math.round(t.rangeMs / 1000);
  return {
    __interval: formatInterval(t.intervalMs),
    __interval_ms: String(t.intervalMs),
    __rate_interval: formatExactDuration(t.rateIntervalMs),
    __rate_interval_ms: String(t.rateIntervalMs),
    __range: `${rangeS}s`,
    __range_s: String(rangeS),
    __range_ms: String(t.rangeMs),
  };
}

/** Replaces `$__interval`, `${__range_s}` and the other built-in macros. Unknown `$__x` are left as they are. */
export function interpolateMacros(expr: string, timing: QueryTiming): string {
  const values = macroValues(timing);
  return expr.replace(/\$\{(__\w+)\}|\$(__\w+)/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    return values[name] ?? whole;
  });
}

// ---------------------------------------------------------------------------------------------
// Template variables.
// ---------------------------------------------------------------------------------------------

/** The value Grafana stores for "All" in a variable's current value. */
export const ALL_VALUE = '$__all';

/** A dashboard template variable, as `templating.list` stores it. */
export interface TemplateVariable {
  name: string;
  type?: string;
  multi?: boolean;
  includeAll?: boolean;
  /** The custom all value ("Custom all value" in the editor), used raw when All is selected. */
  allValue?: string | null;
  current?: { value?: string | string[]; text?: string | string[] };
  options?: { value: string; text?: string; selected?: boolean }[];
  query?: unknown;
  [key: string]: unknown;
}

/** A variable with its selection made concrete for one run. */
export interface ResolvedVariable {
  name: string;
  multi: boolean;
  includeAll: boolean;
  /** True when All is selected. */
  all: boolean;
  /** The selected values (for All without a custom all value: every option's value). */
  values: string[];
  /** The custom all value, when All is selected and the variable has one. */
  allValue?: string;
}

/** The selected values of a variable, before All is expanded. */
export function selectedValues(v: TemplateVariable): string[] {
  const current = v.current?.value;
  if (Array.isArray(current)) return current;
  if (typeof current === 'string') return [current];
  if (v.type === 'constant' || v.type === 'textbox') return typeof v.query === 'string' ? [v.query] : [];
  const selected = (v.options ?? []).filter((o) => o.selected).map((o) => o.value);
  return selected.length > 0 ? selected : (v.options ?? []).slice(0, 1).map((o) => o.value);
}

/** Every value a variable can take (All excluded): its stored options, or a custom variable's list. */
export function optionValues(v: TemplateVariable): string[] {
  const stored = (v.options ?? []).map((o) => o.value).filter((x) => x !== ALL_VALUE);
  if (stored.length > 0) return stored;
  if (v.type === 'custom' && typeof v.query === 'string') {
    // A custom variable's query is `a, b, c` or `text : value` pairs.
    return v.query
      .split(/(?<!\\),/)
      .map((x) => x.trim())
      .filter(Boolean)
      .map((x) => (/ : /.test(x) ? (x.split(' : ')[1] ?? x) : x));
  }
  return [];
}

/**
 * Makes a variable's selection concrete. `allValues` supplies every value when neither the
 * dashboard nor the variable's definition lists them (a query variable refreshed on load).
 */
export function resolveVariable(v: TemplateVariable, allValues?: readonly string[]): ResolvedVariable {
  const selected = selectedValues(v);
  const all = selected.includes(ALL_VALUE);
  const base = { name: v.name, multi: v.multi === true, includeAll: v.includeAll === true, all };
  if (!all) return { ...base, values: selected };
  const custom = typeof v.allValue === 'string' && v.allValue !== '' ? v.allValue : undefined;
  const options = optionValues(v);
  const values = options.length > 0 ? options : [...(allValues ?? [])];
  return { ...base, values, ...(custom !== undefined ? { allValue: custom } : {}) };
}

// Grafana's Prometheus datasource, "classic behaviour" (prometheusRegularEscape/prometheusSpecialRegexEscape);
// the Loki datasource escapes the same way.
const regularEscape = (v: string) => v.replace(/\\/g, '\\\\').replace(/'/g, "\\\\'");
const specialRegexEscape = (v: string) => v.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]+?.()|]/g, '\\\\$&');
/** Grafana's `regex` format escaping (@grafana/data escapeRegex). */
const escapeRegex = (v: string) => v.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

/** Grafana's datasource formatting of a variable's value (interpolateQueryExpr) for each language. */
function defaultFormat(v: ResolvedVariable, language: QueryLanguage): string {
  if (!v.multi && !v.includeAll) return regularEscape(v.values[0] ?? '');
  const escaped = v.values.map(specialRegexEscape);
  if (escaped.length === 1) return escaped[0] ?? '';
  // Prometheus wraps the alternatives in a group; Loki joins them bare.
  return language === 'promql' ? `(${escaped.join('|')})` : escaped.join('|');
}

/** Grafana's named formats (`${var:csv}`…): the ones dashboards use in queries. */
const FORMATS: Readonly<Record<string, (values: string[]) => string>> = {
  raw: (vs) => vs.join(','),
  csv: (vs) => vs.join(','),
  pipe: (vs) => vs.join('|'),
  regex: (vs) => (vs.length === 1 ? escapeRegex(vs[0] ?? '') : `(${vs.map(escapeRegex).join('|')})`),
  glob: (vs) => (vs.length === 1 ? (vs[0] ?? '') : `{${vs.join(',')}}`),
  json: (vs) => JSON.stringify(vs.length === 1 ? vs[0] : vs),
  singlequote: (vs) => vs.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(','),
  doublequote: (vs) => vs.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(','),
};

export function formatVariable(v: ResolvedVariable, language: QueryLanguage, format?: string): string {
  // A custom all value is used as written (Grafana skips formatting it, except for text formats).
  if (v.all && v.allValue !== undefined) return v.allValue;
  if (format) {
    const f = FORMATS[format];
    if (f) return f(v.values);
  }
  return defaultFormat(v, language);
}

/** Grafana's variable syntaxes: `$var`, `[[var]]`, `[[var:fmt]]`, `${var}`, `${var:fmt}`. */
const VARIABLE = /\$(\w+)|\[\[\s*(\w+?)(?::(\w+))?\s*\]\]|\$\{(\w+)(?::([^}]+))?\}/g;

/** Replaces template variables; built-in `$__x` names and unknown variables are left as they are. */
export function interpolateVariables(
  expr: string,
  variables: readonly ResolvedVariable[],
  language: QueryLanguage,
): string {
  const byName = new Map(variables.map((v) => [v.name, v]));
  return expr.replace(
    VARIABLE,
    (whole, bare?: string, bracket?: string, bracketFmt?: string, braced?: string, bracedFmt?: string) => {
      const name = bare ?? bracket ?? braced ?? '';
      const v = name.startsWith('__') ? undefined : byName.get(name);
      return v ? formatVariable(v, language, bracketFmt ?? bracedFmt) : whole;
    },
  );
}

/** Template variables first (their values may hold macros), then the built-in macros. */
export function interpolateQuery(
  expr: string,
  options: { variables: readonly ResolvedVariable[]; language: QueryLanguage; timing: QueryTiming },
): string {
  return interpolateMacros(interpolateVariables(expr, options.variables, options.language), options.timing);
}
