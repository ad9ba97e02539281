import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { CheckResult } from '../../core/index.ts';
import { templateLabels } from '../alert-templates.ts';
import type { ValidationContext } from '../context.ts';
import { errorMessage, result } from '../result.ts';
import { base, requiredAlerts } from './results.ts';

/** Annotation templates vs the labels the expression keeps: a label it drops renders empty. */

interface RuleFileDoc {
  groups?: { rules?: { alert?: string; expr?: string; annotations?: Record<string, string> }[] }[];
}

export async function annotationLabels(ctx: ValidationContext, ruleFiles: string[]): Promise<CheckResult[]> {
  const alerts = requiredAlerts(ctx);
  const defined = new Map<string, { file: string; annotations: Record<string, string> }>();
  const unreadable: string[] = [];
  for (const file of ruleFiles) {
    try {
      const doc = (parse(await readFile(file, 'utf8')) ?? {}) as RuleFileDoc;
      for (const rule of (doc.groups ?? []).flatMap((g) => g.rules ?? [])) {
        if (rule.alert) defined.set(rule.alert, { file, annotations: rule.annotations ?? {} });
      }
    } catch (error) {
      unreadable.push(`${file}: ${errorMessage(error)}`);
    }
  }
  return alerts.map((a) => {
    const b = base(
      `annotations.${a.alert}`,
      `${a.alert}'s annotations use only labels its expression keeps`,
      a.phase,
    );
    const keeps = a.outputLabels ?? [];
    const expected = `annotations reading only ${keeps.map((l) => `$labels.${l}`).join(', ') || 'no labels'} (and $value)`;
    const rule = defined.get(a.alert);
    if (!rule) {
      return result(b, 'fail', {
        expected,
        observed: `not defined in ${ruleFiles.join(', ')}`,
        message: `alert ${a.alert} is not defined in the rule files ${ruleFiles.join(', ')}${unreadable.length ? ` (unreadable: ${unreadable.join('; ')})` : ''}`,
      });
    }
    const problems = Object.entries(rule.annotations).flatMap(([name, template]) =>
      templateLabels(template)
        .filter((l) => !keeps.includes(l))
        .map((l) => ({ annotation: name, label: l })),
    );
    if (problems.length === 0) {
      return result(b, 'pass', {
        expected,
        observed: 'every referenced label is kept',
        message: `${a.alert}'s annotations render with real values`,
        evidence: { file: rule.file },
      });
    }
    const list = problems.map((p) => `${p.annotation} uses $labels.${p.label}`).join(', ');
    return result(b, 'fail', {
      expected,
      observed: list,
      message: `alert ${a.alert}: ${list}, a label its expression does not keep (it keeps ${keeps.join(', ') || 'none'}): the notification would show an empty value`,
      evidence: { file: rule.file, problems },
    });
  });
}
