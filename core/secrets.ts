/**
 * The secret values this process has handled (a `${ENV}` header value it expanded, a per-run
 * password it generated), so the report's one redaction (reports/redact.ts) can mask them wherever
 * they surface: in a check's message, an error text, a URL. Values only in memory, never written.
 */
const remembered = new Set<string>();

/** Remembers a secret value (empty values are ignored). */
export function rememberSecret(value: string | undefined): void {
  if (value) remembered.add(value);
}

/** Every secret remembered so far. */
export function rememberedSecrets(): string[] {
  return [...remembered];
}
