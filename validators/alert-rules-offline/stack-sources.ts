import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CheckResult } from '../../core/index.ts';
import type { PromRuleGroup } from '../clients/index.ts';
import type { ValidationContext } from '../context.ts';
import { errorMessage, result, skipped } from '../result.ts';
import { alertmanagerConfigCheck, routeTests } from './amtool.ts';
import { annotationLabels } from './annotation-labels.ts';
import { checkRules } from './check-rules.ts';
import { base, requiredAlerts } from './results.ts';

/**
 * The stack's own rules and Alertmanager config (`--stack external`): what staging really runs,
 * read from its Prometheus (`/api/v1/rules`) and Alertmanager (`/api/v2/status`), written to
 * temporary files for promtool and amtool, plus each required alert's presence and labels.
 */

/** Prometheus' rule groups (`/api/v1/rules`, durations in seconds) as a rule file promtool reads. */
export function ruleFileFromGroups(groups: readonly PromRuleGroup[]): string {
  const seconds = (s: number) => `${Math.round(s * 1000) / 1000}s`;
  return stringify(
    {
      groups: groups.map((g) => ({
        name: g.name,
        ...(g.interval ? { interval: seconds(g.interval) } : {}),
        rules: g.rules.map((r) =>
          r.type === 'alerting'
            ? {
                alert: r.name,
                expr: r.query,
                ...(r.duration ? { for: seconds(r.duration) } : {}),
                ...(r.labels && Object.keys(r.labels).length ? { labels: r.labels } : {}),
                ...(r.annotations && Object.keys(r.annotations).length ? { annotations: r.annotations } : {}),
              }
            : {
                record: r.name,
                expr: r.query,
                ...(r.labels && Object.keys(r.labels).length ? { labels: r.labels } : {}),
              },
        ),
      })),
    },
    { lineWidth: 0 },
  );
}

const STAGING_RULES_FILE = 'staging-rules.yml';
const STAGING_ALERTMANAGER_FILE = 'staging-alertmanager.yml';

/** Each required alert is among the stack's loaded rules, with the catalog's severity and labels. */
export function requiredAlertsPresent(
  ctx: ValidationContext,
  groups: readonly PromRuleGroup[],
  source: string,
): CheckResult[] {
  const loaded = new Map<string, { group: string; labels: Record<string, string> }>();
  for (const g of groups)
    for (const r of g.rules)
      if (r.type === 'alerting') loaded.set(r.name, { group: g.name, labels: r.labels ?? {} });
  return requiredAlerts(ctx).map((a) => {
    const b = base(
      `present.${a.alert}`,
      `${a.alert} is among the rules the stack evaluates, with its labels`,
      a.phase,
    );
    const want: Record<string, string> = { severity: a.severity, ...a.labels };
    const expected = `alert ${a.alert} loaded with ${Object.entries(want)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ')}`;
    const rule = loaded.get(a.alert);
    if (!rule) {
      return result(b, 'fail', {
        expected,
        observed: `not loaded (${loaded.size} alerting rules are)`,
        message: `alert ${a.alert} is not among the rules of ${source} (${loaded.size} alerting rules loaded): the phase requires it`,
        evidence: { source, examined: loaded.size },
      });
    }
    const wrong = Object.entries(want).filter(([k, v]) => rule.labels[k] !== v);
    if (wrong.length > 0) {
      const list = wrong.map(([k, v]) => `${k}="${rule.labels[k] ?? ''}" (expected "${v}")`).join(', ');
      return result(b, 'fail', {
        expected,
        observed: list,
        message: `alert ${a.alert} in ${source} (group ${rule.group}) has ${list}: it would be routed and grouped differently`,
        evidence: { source, group: rule.group, labels: rule.labels },
      });
    }
    return result(b, 'pass', {
      expected,
      observed: `loaded in group ${rule.group}`,
      message: `${a.alert} is loaded in ${source} (group ${rule.group}) with its labels`,
      evidence: { source, group: rule.group },
    });
  });
}

/** A check result naming `label` instead of a temporary file path the stack's config was written to. */
function relabelled(r: CheckResult, file: string, label: string, source: string): CheckResult {
  const swap = (text: string) => text.split(file).join(label);
  return {
    ...r,
    observed: swap(r.observed),
    // Every message says what was checked: the stack's config, not the repo's.
    message:
      r.message.includes(file) || r.message.includes(source)
        ? swap(r.message)
        : `${r.message} (checked: ${source})`,
    evidence: JSON.parse(swap(JSON.stringify({ ...r.evidence, source }))) as CheckResult['evidence'],
  };
}

export async function stackRuleResults(ctx: ValidationContext, tmp: string): Promise<CheckResult[]> {
  const check = base('check-rules', 'The rules the stack evaluates pass `promtool check rules`', 1);
  const presence = requiredAlerts(ctx).map((a) =>
    base(`present.${a.alert}`, `${a.alert} is among the rules the stack evaluates, with its labels`, a.phase),
  );
  const prometheus = ctx.clients.prometheus;
  if (!prometheus) {
    const why = "needs the stack's Prometheus (stack.external.prometheus) to read its rules";
    return [skipped(check, why), ...presence.map((b) => skipped(b, why))];
  }
  const url = `${prometheus.baseUrl}/api/v1/rules`;
  const source = `staging /api/v1/rules (${url})`;
  let groups: PromRuleGroup[];
  try {
    groups = await prometheus.rules();
  } catch (error) {
    const message = `could not read the stack's rules from ${url}: ${errorMessage(error)}`;
    const fields = {
      expected: 'the loaded rule groups',
      observed: 'no answer',
      message,
      evidence: { source },
    };
    return [check, ...presence].map((b) => result(b, 'error', fields));
  }
  const ruleCount = groups.reduce((n, g) => n + g.rules.length, 0);
  if (ruleCount === 0) {
    return [
      result(check, 'fail', {
        expected: 'at least one loaded rule',
        observed: `${groups.length} groups, no rules`,
        message: `the stack's Prometheus has no rules loaded (${url} lists ${groups.length} groups and no rule): is rule_files set?`,
        evidence: { source, examined: 0 },
      }),
      ...requiredAlertsPresent(ctx, groups, source),
    ];
  }
  const file = join(tmp, STAGING_RULES_FILE);
  await writeFile(file, ruleFileFromGroups(groups));
  const label = `${STAGING_RULES_FILE} (the ${groups.length} groups ${url} lists)`;
  const [checked, annotations] = await Promise.all([checkRules(ctx, [file]), annotationLabels(ctx, [file])]);
  return [checked, ...requiredAlertsPresent(ctx, groups, source), ...annotations].map((r) =>
    relabelled(r, file, label, source),
  );
}

export async function stackAlertmanagerResults(ctx: ValidationContext, tmp: string): Promise<CheckResult[]> {
  const alertmanager = ctx.clients.alertmanager;
  if (!alertmanager) {
    const b = base('alertmanager-config', 'The Alertmanager config passes `amtool check-config`', 1);
    return [skipped(b, "needs the stack's Alertmanager (stack.external.alertmanager) to read its config")];
  }
  const url = `${alertmanager.baseUrl}/api/v2/status`;
  const source = `staging /api/v2/status (${url})`;
  let original: string;
  try {
    original = (await alertmanager.status()).config.original;
  } catch (error) {
    const b = base('alertmanager-config', 'The Alertmanager config passes `amtool check-config`', 1);
    const message = `could not read the stack's Alertmanager config from ${url}: ${errorMessage(error)}`;
    return [
      result(b, 'error', {
        expected: 'config.original',
        observed: 'no answer',
        message,
        evidence: { source },
      }),
    ];
  }
  const file = join(tmp, STAGING_ALERTMANAGER_FILE);
  await writeFile(file, original);
  const label = `${STAGING_ALERTMANAGER_FILE} (config.original of ${url})`;
  const [check, routes] = await Promise.all([alertmanagerConfigCheck(ctx, file), routeTests(ctx, file)]);
  return [check, ...routes].map((r) => relabelled(r, file, label, source));
}
