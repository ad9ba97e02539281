import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../../core/index.ts';
import type { ValidationContext } from '../context.ts';
import { result, skipped } from '../result.ts';
import { alertmanagerConfigCheck, routeTests } from './amtool.ts';
import { annotationLabels } from './annotation-labels.ts';
import { checkRules } from './check-rules.ts';
import { expandGlobs, ruleTestFilesFor } from './rule-files.ts';
import { ruleUnitTests } from './rule-unit-tests.ts';
import { base } from './results.ts';
import { stackAlertmanagerResults, stackRuleResults } from './stack-sources.ts';

/**
 * The alerting configuration, checked without a running stack: `promtool check rules` and
 * `promtool test rules` (the unit tests beside the rules, at production time scales), the
 * annotation templates against the labels each expression keeps, and `amtool check-config` plus
 * `amtool config routes test` on the rendered Alertmanager config.
 *
 * Against a stack of its own (`ctx.alertSources`, `--stack external`): the rules the stack's
 * Prometheus has loaded (`/api/v1/rules`) and the config its Alertmanager runs (`/api/v2/status`),
 * written to temporary files for promtool and amtool, plus each required alert's presence and labels.
 * The repo's promtool unit tests exercise the repo's rules, so they run on files only. Every result
 * says what it checked (`evidence.source`).
 */

export { resolveReceivers } from './amtool.ts';

export async function alertRulesOffline(ctx: ValidationContext): Promise<CheckResult[]> {
  const sources = ctx.alertSources ?? { rules: 'files', alertmanager: 'files' };
  const tmp = await mkdtemp(join(tmpdir(), 'phx-stack-alerting-'));
  try {
    const [rules, am] = await Promise.all([
      sources.rules === 'stack' ? stackRuleResults(ctx, tmp) : fileRuleResults(ctx),
      sources.alertmanager === 'stack' ? stackAlertmanagerResults(ctx, tmp) : fileAlertmanagerResults(ctx),
    ]);
    return [...rules, ...am];
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The report says which rules were checked: `repo <files>`. */
const fromFiles = (results: CheckResult[], what: string): CheckResult[] =>
  results.map((r) => ({ ...r, evidence: { ...r.evidence, source: `repo ${what}` } }));

async function fileRuleResults(ctx: ValidationContext): Promise<CheckResult[]> {
  const noRules = base('check-rules', 'The rule files pass `promtool check rules`', 1);
  if (!ctx.ruleFiles?.length) return [skipped(noRules, 'needs the rule files (ctx.ruleFiles)')];
  const ruleFiles = await expandGlobs(ctx.ruleFiles);
  if (ruleFiles.length === 0) {
    return [
      result(noRules, 'fail', {
        expected: 'at least one rule file',
        observed: 'none',
        message: `no rule file matches ${ctx.ruleFiles.join(', ')}`,
        evidence: { source: `repo ${ctx.ruleFiles.join(', ')}`, examined: 0 },
      }),
    ];
  }
  const testFiles = await ruleTestFilesFor(ctx, ruleFiles);
  const [check, unit, annotations] = await Promise.all([
    checkRules(ctx, ruleFiles),
    ruleUnitTests(ctx, ruleFiles, testFiles),
    annotationLabels(ctx, ruleFiles),
  ]);
  return fromFiles([check, ...unit, ...annotations], ctx.ruleFiles.join(', '));
}

async function fileAlertmanagerResults(ctx: ValidationContext): Promise<CheckResult[]> {
  const config = ctx.alertmanagerConfigFile;
  if (!config)
    return [
      skipped(
        base('alertmanager-config', 'The Alertmanager config passes `amtool check-config`', 1),
        'needs the rendered Alertmanager config (ctx.alertmanagerConfigFile)',
      ),
    ];
  const [check, routes] = await Promise.all([alertmanagerConfigCheck(ctx, config), routeTests(ctx, config)]);
  return fromFiles([check, ...routes], config);
}
