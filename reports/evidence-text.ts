import type { CheckEvidence } from '../core/index.ts';

/** Evidence lists are capped in text reports; the HTML and JSON reports keep the rest. */
export const EVIDENCE_ITEMS_SHOWN = 20;
const VALUE_CHARS_SHOWN = 2_000;

function clip(text: string, max = VALUE_CHARS_SHOWN): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/** One evidence value as text: strings as they are, everything else as compact JSON. */
export function evidenceValueText(value: unknown): string {
  if (typeof value === 'string') return clip(value);
  try {
    return clip(JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

/** Evidence as indented `key: value` lines (JUnit bodies, Markdown code blocks). */
export function formatEvidenceText(evidence: CheckEvidence): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(evidence)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      lines.push(`  ${key}:`);
      for (const item of value.slice(0, EVIDENCE_ITEMS_SHOWN)) lines.push(`    - ${evidenceValueText(item)}`);
      if (value.length > EVIDENCE_ITEMS_SHOWN)
        lines.push(`    … and ${value.length - EVIDENCE_ITEMS_SHOWN} more`);
    } else {
      lines.push(`  ${key}: ${evidenceValueText(value)}`);
    }
  }
  return lines.join('\n');
}
