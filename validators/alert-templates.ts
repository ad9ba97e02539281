import type { AlertRuleDef } from '../catalog/index.ts';

/**
 * What a rendered alert must look like against its annotation templates, for both alert checks:
 * the offline one reads which labels a rule file's templates use (`templateLabels`); the live
 * drills compare each delivered alert's labels and rendered annotations with the catalog's
 * (`labelProblems`, `annotationProblems`). Templates are Prometheus' Go templates.
 */

/** The ways a template reads a label (one capture: its name): `$labels.x`, `.Labels.x`, `index $labels "x"`. */
const LABEL_REFERENCES = [
  String.raw`\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)`,
  String.raw`\.Labels\.([a-zA-Z_][a-zA-Z0-9_]*)`,
  String.raw`index\s+\$labels\s+"([^"]+)"`,
];
/** One template action, `{{ … }}`. */
const TEMPLATE_ACTION = /\{\{.*?\}\}/g;
/** What Go's text/template prints for a missing map key: an empty placeholder. */
const EMPTY_RENDERING = '<no value>';
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Label names an annotation template reads: `$labels.x`, `.Labels.x`, `index $labels "x"`. */
export function templateLabels(template: string): string[] {
  const names = LABEL_REFERENCES.flatMap((reference) =>
    [...template.matchAll(new RegExp(reference, 'g'))].map((m) => m[1]),
  );
  return [...new Set(names.filter((n): n is string => n !== undefined))];
}

/** The label an action prints as it is (`{{ $labels.x }}`, no pipeline); undefined for any other action. */
function printedLabel(action: string): string | undefined {
  for (const reference of LABEL_REFERENCES) {
    const name = new RegExp(String.raw`^\{\{\s*${reference}\s*\}\}$`).exec(action)?.[1];
    if (name !== undefined) return name;
  }
  return undefined;
}

/** Problems with one delivered alert's annotations, against the catalog's templates; [] when fine. */
export function annotationProblems(
  alert: AlertRuleDef,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): string[] {
  const templates: Record<string, string> = {
    summary: alert.annotations.summary,
    description: alert.annotations.description,
    runbook: alert.runbook,
  };
  const problems: string[] = [];
  for (const [name, template] of Object.entries(templates)) {
    const text = annotations[name];
    if (text === undefined || text.trim() === '') {
      problems.push(`annotation ${name} is empty`);
      continue;
    }
    if (/\{\{|\}\}/.test(text)) {
      problems.push(`annotation ${name} was not rendered: "${text}"`);
      continue;
    }
    const actions = template.match(TEMPLATE_ACTION) ?? [];
    const pattern = new RegExp(`^${template.split(TEMPLATE_ACTION).map(escapeRegExp).join('(.*?)')}$`, 's');
    const match = pattern.exec(text);
    if (!match) {
      problems.push(`annotation ${name} is "${text}", not the catalog's template "${template}"`);
      continue;
    }
    actions.forEach((action, i) => {
      const value = (match[i + 1] ?? '').trim();
      const label = printedLabel(action);
      if (value === '' || value === EMPTY_RENDERING) {
        problems.push(`annotation ${name} is "${text}": empty where the template has ${action}`);
      } else if (label !== undefined && labels[label] !== undefined && value !== labels[label]) {
        problems.push(`annotation ${name} shows "${value}" where ${action} should be "${labels[label]}"`);
      }
    });
  }
  return problems;
}

/** Problems with one delivered alert's labels; `expected` values undefined = any non-empty value. */
export function labelProblems(
  alert: AlertRuleDef,
  labels: Record<string, string>,
  expected: Record<string, string | undefined>,
): string[] {
  const problems: string[] = [];
  const want: Record<string, string | undefined> = {
    alertname: alert.alert,
    severity: alert.severity,
    ...alert.labels,
    ...expected,
  };
  for (const [name, value] of Object.entries(want)) {
    const got = labels[name];
    if (got === undefined || got === '') problems.push(`label ${name} is missing`);
    else if (value !== undefined && got !== value)
      problems.push(`label ${name}="${got}" (expected "${value}")`);
  }
  return problems;
}
