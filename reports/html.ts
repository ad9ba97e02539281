/**
 * Safe HTML building for the report. Every value interpolated into the `html` template tag is
 * escaped unless it is already `SafeHtml` (built by this tag), so outside text — messages, log
 * lines, labels, trace ids, config values — cannot become markup by forgetting to escape it.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Text for element content and (double-quoted) attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c);
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: Interpolation) => render(v)).join('');
  return escapeHtml(String(value));
}

/** The template tag: literal parts are trusted markup, interpolations are escaped. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/**
 * The URL if it is absolute http(s), with any user:password removed; otherwise undefined, and the
 * caller renders it as text. Blocks `javascript:`, `data:`, `vbscript:`, relative and odd URLs.
 */
export function safeHttpUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.username = '';
  url.password = '';
  return url.href;
}

/** A link that opens in a new tab when the URL is http(s); plain text otherwise. */
export function link(url: string | undefined, text: Interpolation = url, className = ''): SafeHtml {
  const href = safeHttpUrl(url);
  if (href === undefined) return html`<span class="${className}">${text}</span>`;
  return html`<a class="${className}" href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`;
}

function base(url: string | undefined): string | undefined {
  return safeHttpUrl(url)?.replace(/\/+$/, '');
}

/** `${jaeger}/trace/<id>`, or undefined when there is no usable Jaeger URL. */
export function jaegerTraceUrl(jaeger: string | undefined, traceId: string): string | undefined {
  const b = base(jaeger);
  return b === undefined ? undefined : `${b}/trace/${encodeURIComponent(traceId)}`;
}

/** Prometheus' graph page with the query filled in. */
export function prometheusGraphUrl(prometheus: string | undefined, expr: string): string | undefined {
  const b = base(prometheus);
  return b === undefined ? undefined : `${b}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=0`;
}
