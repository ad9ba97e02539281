import { rememberedSecrets } from '../core/index.ts';
import { REDACTED, redactSecrets, type RunReport } from './model.ts';

/**
 * The one redaction every output goes through: applied to the run report model before any reporter
 * sees it (cli/report-builder.ts), so report.html, report.json, junit.xml, the GitHub summary and the
 * console all show the same masked text. It masks
 * - the values it is told are secret (header values read from `${ENV}`, the stack's per-run
 *   credentials, AUTH_TOKEN…), wherever they appear: a check's message, evidence, a URL;
 * - credentials in URLs (`https://user:pass@`, `https://token@`, `?token=…`);
 * - `Bearer …` / `Basic …` tokens in any text;
 * - in the config block, the values under secret-looking keys (redactSecrets).
 */

/** Shorter values are not masked: they would mask ordinary words and numbers. */
const MIN_SECRET_LENGTH = 4;

/** Variable names whose values are secrets (the scenario's AUTH_TOKEN, as load/k6-output's SECRET_ENV). */
const SECRET_ENV_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL/i;

const ENV_REFERENCE = /\$\{([A-Z0-9_]+)\}/g;
/** `scheme://userinfo@`: the userinfo is a password (`user:pass`) or a token on its own. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*)(:[^\s/?#@]*)?@/gi;
/** A token after an auth scheme: long, and not a plain word ("Basic authentication" stays). */
const AUTH_SCHEME_TOKEN = /\b(Bearer|Basic)\s+(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{12,}/g;
const SECRET_QUERY_PARAM =
  /([?&](?:access_token|token|api[-_]?key|apikey|auth|password|secret|signature|sig)=)[^&#\s"'<]+/gi;

/** A secret and the forms it travels in: `Bearer x` → also `x`; `Basic b64` → also `user:pw` and `pw`. */
export function secretVariants(value: string): string[] {
  const out = [value];
  const scheme = /^(Bearer|Basic|Token)\s+(\S+)$/i.exec(value.trim());
  if (!scheme?.[2]) return out;
  out.push(scheme[2]);
  if (scheme[1]?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(scheme[2], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) out.push(decoded, decoded.slice(colon + 1));
  }
  return out;
}

/**
 * The secret values of a run that the harness knows of without being told: every `${VAR}` a config
 * string refers to (header values of `stack.external`), and the environment's secret-named
 * variables the scenarios read (AUTH_TOKEN).
 */
export function secretsFromConfigAndEnv(config: unknown, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      const references = [...value.matchAll(ENV_REFERENCE)].map((m) => m[1] ?? '');
      if (references.length === 0) return;
      for (const name of references) {
        const v = env[name];
        if (v !== undefined) out.push(v);
      }
      // The expanded value too (`Bearer <token>`), with its bare token.
      const expanded = value.replace(ENV_REFERENCE, (_, name: string) => env[name] ?? '');
      out.push(...secretVariants(expanded));
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(config);
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && name === 'AUTH_TOKEN') out.push(value);
    else if (value !== undefined && /^(PHX_|K6_)/.test(name) && SECRET_ENV_NAME.test(name)) out.push(value);
  }
  return [...new Set(out)];
}

/**
 * Every secret the run knows of: the config's `${VAR}` values and secret-named variables
 * (secretsFromConfigAndEnv), and the values the harness remembered while running (expanded
 * headers, Grafana's generated password), each with its variants.
 */
export function knownSecrets(config?: unknown): string[] {
  return [...new Set([...secretsFromConfigAndEnv(config), ...rememberedSecrets().flatMap(secretVariants)])];
}

/** Masks secrets in one piece of text (see the module comment). */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret containing another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out
    .replace(URL_USERINFO, (_, scheme: string, user: string, password: string | undefined) =>
      password === undefined ? `${scheme}${REDACTED}@` : `${scheme}${user}:${REDACTED}@`,
    )
    .replace(AUTH_SCHEME_TOKEN, (_, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(SECRET_QUERY_PARAM, `$1${REDACTED}`);
}

function redactDeep(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [redactText(k, secrets), redactDeep(v, secrets)]),
    );
  }
  return value;
}

/**
 * A copy of the report with every secret masked, in every string of every field (checks' messages
 * and evidence, links, components, the config). `secrets` are values known to be secret; values
 * shorter than 4 characters are ignored.
 */
export function redactReport(report: RunReport, secrets: readonly string[]): RunReport {
  const known = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH && s !== REDACTED))].sort(
    (a, b) => b.length - a.length,
  );
  const masked = redactDeep({ ...report, config: redactSecrets(report.config) }, known);
  return masked as RunReport;
}
