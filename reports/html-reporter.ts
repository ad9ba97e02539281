import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CheckStatus } from '../core/index.ts';
import { gateHolds, gateLine, gateWord } from './gate-text.ts';
import { SafeHtml, html, jaegerTraceUrl, link, prometheusGraphUrl } from './html.ts';
import { redactSecrets, type ReportedCheck, type ReportLinks, type RunReport } from './model.ts';
import { resolveOutputFile, writeFileAtomic } from './output-file.ts';
import { parseReporterOptions } from './reporter-options.ts';
import type { Reporter, ReporterContext } from './reporter-contract.ts';
import { drillScaleMs, drillTimeline } from './charts/drill-timeline.ts';
import { formatCount, formatMs } from './charts/format.ts';
import { funnelChart } from './charts/funnel.ts';
import { latencyHistogramChart } from './charts/histogram.ts';
import { latencyOverTimeChart } from './charts/latency.ts';
import { throughputChart } from './charts/throughput.ts';

export const htmlReporterOptionsSchema = z.strictObject({ outputFile: z.string().min(1).optional() });
export type HtmlReporterOptions = z.input<typeof htmlReporterOptionsSchema>;

/** Evidence items listed per key; the rest is counted ("… and 812 more") and stays in report.json. */
export const HTML_EVIDENCE_ITEMS_SHOWN = 50;
const EVIDENCE_VALUE_CHARS_SHOWN = 8_000;

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--line:#eaeef2;--bg:#f6f8fa;--card:#fff;
--pass:#1a7f37;--fail:#cf222e;--error:#8250df;--skip:#9a6700;--pass-bg:#dafbe1;--fail-bg:#ffebe9;
--error-bg:#fbefff;--skip-bg:#fff8c5;--link:#0969da;
--mono:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:var(--mono);font-size:12.5px}
.wrap{max-width:1180px;margin:0 auto;padding:0 24px}
.verdict{color:#fff;padding:26px 0 24px}
.verdict-pass{background:linear-gradient(135deg,#1f883d,#116329)}
.verdict-fail{background:linear-gradient(135deg,#d1242f,#a0111f)}
.verdict-error{background:linear-gradient(135deg,#8250df,#5a32a3)}
.verdict .wrap{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:18px 40px}
.verdict-main{display:flex;align-items:center;gap:22px}
.verdict-word{font-size:50px;font-weight:800;letter-spacing:.05em;line-height:1;padding:10px 18px 8px;border:3px solid rgba(255,255,255,.9);border-radius:12px}
.verdict h1{margin:0;font-size:26px;line-height:1.2;font-weight:700}
.gate-detail{margin:4px 0 0;font-size:15px;opacity:.95}
.product{margin:0 0 2px;font-size:12px;letter-spacing:.08em;text-transform:uppercase;opacity:.85}
.run-meta{display:grid;grid-template-columns:auto auto;gap:2px 14px;margin:0;font-size:13px}
.run-meta dt{opacity:.8}.run-meta dd{margin:0;font-weight:600}
main.wrap{padding-top:22px;padding-bottom:32px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(128px,1fr));gap:12px;margin-bottom:20px}
.tile{background:var(--card);border:1px solid var(--border);border-radius:10px;padding:12px 14px}
.tile-value{display:block;font-size:24px;font-weight:700;line-height:1.2;font-variant-numeric:tabular-nums}
.tile-label{display:block;color:var(--muted);font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.07em}
.tile-pass .tile-value{color:var(--pass)}.tile-fail .tile-value{color:var(--fail)}
.tile-error .tile-value{color:var(--error)}.tile-skip .tile-value{color:var(--skip)}
.jump{display:flex;flex-wrap:wrap;gap:6px;margin:-6px 0 18px}
.jump a{font-size:12.5px;font-weight:600;padding:3px 11px;border-radius:999px;border:1px solid var(--border);background:var(--card);color:var(--fg)}
.jump a:hover{text-decoration:none;border-color:var(--link);color:var(--link)}
.jump a.jump-problems{color:var(--fail);border-color:#ffaba8;background:var(--fail-bg)}
.card{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:18px 22px;margin:0 0 20px}
h2{font-size:17px;line-height:1.3;margin:0 0 4px;display:inline}
.card>h2,.card>header{display:block;margin-bottom:4px}
h3{font-size:13px;margin:0 0 6px}
.hint{color:var(--muted);margin:4px 0 14px}
.funnels{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:16px 32px}
.funnel h3{font-family:var(--mono);font-weight:600}
svg.chart{display:block;width:100%;height:auto;max-width:100%}
.chart-gap{height:10px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:600;background:var(--bg)}
tr:last-child td{border-bottom:none}
td.num,th.num{text-align:right;white-space:nowrap}
td.nowrap{white-space:nowrap}
td.timeline{width:60%;min-width:420px;padding-top:2px;padding-bottom:2px}
.badge{display:inline-block;min-width:48px;text-align:center;font-size:11px;font-weight:700;letter-spacing:.05em;padding:1px 8px;border-radius:999px;line-height:18px}
.badge-pass{color:var(--pass);background:var(--pass-bg)}.badge-fail{color:var(--fail);background:var(--fail-bg)}
.badge-error{color:var(--error);background:var(--error-bg)}.badge-skip{color:var(--skip);background:var(--skip-bg)}
.tag{display:inline-block;font-size:11px;color:var(--muted);border:1px solid var(--border);border-radius:999px;padding:0 7px;line-height:17px}
.tag-info{color:#0550ae;border-color:#80ccff;background:#ddf4ff}
pre{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:9px 12px;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
summary{cursor:pointer}
summary:focus-visible{outline:2px solid var(--link);outline-offset:2px;border-radius:6px}
details.check{border:1px solid var(--border);border-left:4px solid var(--fail);border-radius:8px;margin:10px 0 0;background:#fff}
details.check-error{border-left-color:var(--error)}
details.check.informational{border-left-color:#80ccff}
details.check>summary{padding:10px 14px;display:flex;gap:10px;align-items:center;flex-wrap:wrap;list-style:none}
details.check>summary::-webkit-details-marker{display:none}
details.check>summary::before,details.section>summary::before{content:"";width:0;height:0;border-style:solid;border-width:5px 0 5px 7px;border-color:transparent transparent transparent var(--muted);transition:transform .12s;flex:none}
details[open].check>summary::before,details[open].section>summary::before{transform:rotate(90deg)}
.check-id{font-family:var(--mono);font-weight:600;font-size:13px}
.check-title{color:var(--muted)}
.check-body{padding:0 16px 14px 32px}
.message{white-space:pre-wrap;overflow-wrap:anywhere;margin:0 0 12px;font-size:14px}
.expect{display:grid;grid-template-columns:88px 1fr;gap:6px 12px;margin:0 0 12px}
.expect dt,.evidence dt{color:var(--muted);font-weight:600;font-size:12px;padding-top:2px}
.expect dd{margin:0;font-family:var(--mono);font-size:12.5px;white-space:pre-wrap;overflow-wrap:anywhere}
.expect dd.observed{color:var(--fail)}
.evidence{display:grid;grid-template-columns:88px 1fr;gap:8px 12px;margin:0;padding-top:12px;border-top:1px dashed var(--border)}
.evidence dd{margin:0;min-width:0}
.evidence ul{margin:0;padding:0;list-style:none}
.evidence li+li{margin-top:4px}
.ids{display:flex;flex-wrap:wrap;gap:4px 14px}.ids li+li{margin-top:0}
.query{display:flex;flex-direction:column;gap:3px}
.more{color:var(--muted);font-size:12px}
details.section>summary{display:flex;align-items:center;gap:10px;list-style:none}
details.section>summary::-webkit-details-marker{display:none}
details.section[open]>summary{margin-bottom:12px}
.count{color:var(--muted);font-weight:400}
.ok-note{color:var(--pass);font-weight:600;margin:8px 0 0}
.empty{color:var(--muted);margin:8px 0 0}
footer{color:var(--muted);font-size:12px;padding:0 0 28px}
@media (max-width:720px){.verdict-word{font-size:34px}.expect,.evidence{grid-template-columns:1fr}.check-body{padding-left:16px}}
@media print{body{background:#fff}.card{break-inside:avoid}}
`;

/**
 * The page runs no script at all and loads nothing: styles only from the one inline block (by its
 * hash, so even injected markup could not add styles), SVG inline, no base/form targets.
 */
export const HTML_REPORT_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  'img-src data:',
  "script-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** One piece, so formatting the template can never put whitespace inside it and change its hash. */
const STYLE_ELEMENT = new SafeHtml(`<style>${STYLE}</style>`);

const STATUS_LABEL: Record<CheckStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  error: 'ERROR',
  skip: 'SKIP',
};

function badge(status: CheckStatus): SafeHtml {
  return html`<span class="badge badge-${status}">${STATUS_LABEL[status]}</span>`;
}

function formatDuration(ms: number): string {
  if (!(ms >= 0)) return '—';
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatMs(ms);
}

function utc(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function utcTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(11, 19)} UTC`;
}

function clip(text: string, max = EVIDENCE_VALUE_CHARS_SHOWN): string {
  return text.length > max
    ? `${text.slice(0, max)}\n… (${formatCount(text.length - max)} more characters in report.json)`
    : text;
}

function more(total: number, shown: number): SafeHtml | null {
  return total > shown
    ? html`<li class="more">… and ${formatCount(total - shown)} more in report.json</li>`
    : null;
}

// ─── sections ────────────────────────────────────────────────────────────────────────────────────

function header(report: RunReport): SafeHtml {
  const required = report.gate.required.length;
  const title = report.interrupted
    ? `The run was interrupted (${report.interrupted.reason})`
    : report.verdict === 'error'
      ? 'The run did not complete'
      : `Phase ${report.gate.phase} gate ${gateWord(report.gate).toLowerCase()}`;
  const waived = report.gate.waived.length;
  const detail = !gateHolds(report.gate)
    ? gateLine(report)
    : waived === 0
      ? `all ${formatCount(required)} required checks passed`
      : `no required check failed (${formatCount(required - waived)} passed, ${formatCount(waived)} skipped and waived: see "Waived")`;
  const informational = report.checks.filter(
    (c) => !c.required && (c.status === 'fail' || c.status === 'error'),
  );
  const durationMs = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  return html`<header class="verdict verdict-${report.verdict}" id="verdict">
    <div class="wrap">
      <div class="verdict-main">
        <span class="verdict-word" data-verdict="${report.verdict}"
          >${report.interrupted ? 'INTERRUPTED' : report.verdict.toUpperCase()}</span
        >
        <div>
          <p class="product">Phoenix observability run</p>
          <h1>${title}</h1>
          <p class="gate-detail">
            ${report.verdict === 'error' ? `${gateLine(report)} — results are partial` : detail}${
              informational.length > 0
                ? ` · ${informational.length} informational check${informational.length === 1 ? '' : 's'} failing`
                : ''
            }
          </p>
        </div>
      </div>
      <dl class="run-meta">
        <dt>run</dt>
        <dd class="mono">${report.runId}</dd>
        <dt>started</dt>
        <dd>${utc(report.startedAt)}</dd>
        <dt>duration</dt>
        <dd>${formatDuration(durationMs)}</dd>
        ${
          report.scenario
            ? html`<dt>scenario</dt>
                <dd>
                  ${report.scenario.name} ·
                  ${report.scenario.engine}${
                    report.scenario.segment ? ` segment ${report.scenario.segment}` : ''
                  }
                  · exit ${report.scenario.exitCode}
                </dd>`
            : null
        }
        ${
          report.dashboardsPath
            ? html`<dt>dashboards</dt>
                <dd>
                  ${
                    report.dashboardsPath === 'grafana'
                      ? 'checked through Grafana'
                      : 'panels run by the harness against their datasources (no Grafana)'
                  }
                </dd>`
            : null
        }
        ${
          report.baseline
            ? html`<dt>baseline</dt>
                <dd class="mono">${report.baseline.path}</dd>`
            : null
        }
      </dl>
    </div>
  </header>`;
}

function tiles(report: RunReport): SafeHtml {
  const count = (s: CheckStatus): number => report.checks.filter((c) => c.status === s).length;
  const tile = (value: string, label: string, kind = ''): SafeHtml =>
    html`<div class="tile ${kind}">
      <span class="tile-value">${value}</span><span class="tile-label">${label}</span>
    </div>`;
  const l = report.latency;
  return html`<section class="tiles" aria-label="Summary">
    ${tile(formatCount(count('pass')), 'passed', 'tile-pass')}
    ${tile(formatCount(count('fail')), 'failed', count('fail') > 0 ? 'tile-fail' : '')}
    ${tile(formatCount(count('error')), 'errored', count('error') > 0 ? 'tile-error' : '')}
    ${tile(formatCount(count('skip')), 'skipped', count('skip') > 0 ? 'tile-skip' : '')}
    ${l ? tile(formatCount(l.requests), 'requests') : null}
    ${l ? tile(`${(l.errorRate * 100).toFixed(2)}%`, 'error rate', l.errorRate > 0.01 ? 'tile-fail' : '') : null}
    ${l ? tile(formatMs(l.p95Ms), 'p95') : null} ${l ? tile(formatMs(l.p99Ms), 'p99') : null}
  </section>`;
}

/** In-page links (fixed fragments, never outside URLs), failures first: the reason to open the report. */
function nav(report: RunReport): SafeHtml {
  const unwaived = new Set(report.gate.skippedRequired);
  const problems = report.checks.filter(
    (c) => c.status === 'fail' || c.status === 'error' || unwaived.has(c.id),
  ).length;
  const items: [string, string][] = [
    ['#failures', `Failures (${problems})`],
    ...(report.gate.waived.length > 0 || report.gate.waiverWarnings.length > 0
      ? ([['#waived', `Waived (${report.gate.waived.length})`]] as [string, string][])
      : []),
    ['#accounting', 'Accounting'],
    ['#latency', 'Latency'],
    ...(report.drills.length > 0 ? ([['#drills', 'Alert drills']] as [string, string][]) : []),
    ...(report.checks.some((c) => c.status === 'pass')
      ? ([['#passing', 'Passing checks']] as [string, string][])
      : []),
    ['#components', 'Components'],
    ['#config', 'Configuration'],
  ];
  return html`<nav class="jump" aria-label="Sections">
    ${items.map(
      ([href, label], i) =>
        html`<a href="${href}" ${i === 0 && problems > 0 ? new SafeHtml(' class="jump-problems"') : null}
          >${label}</a
        >`,
    )}
  </nav>`;
}

function accountingSection(report: RunReport): SafeHtml {
  const body =
    report.accounting.length === 0
      ? html`<p class="empty">No accounting: the run had no ledger.</p>`
      : html`<div class="funnels">
          ${report.accounting.map(
            (row) =>
              html`<div class="funnel">
                <h3>${row.flow}</h3>
                ${funnelChart(row)}
              </div>`,
          )}
        </div>`;
  return html`<section class="card" id="accounting">
    <h2>Accounting: sent → traced → logged → counted</h2>
    <p class="hint">
      Every request the load generator sent must be traced in the trace store, logged in the log store and
      counted in Prometheus, exactly once. Green: all of them; red: some missing; amber: counted more than
      once.
    </p>
    ${body} ${runnerAccountingTable(report)}
  </section>`;
}

function latencySection(report: RunReport): SafeHtml {
  const l = report.latency;
  if (!l) {
    return html`<section class="card" id="latency">
      <h2>Latency</h2>
      <p class="empty">Not measured: the run had no ledger.</p>
    </section>`;
  }
  return html`<section class="card" id="latency">
      <h2>Latency over time</h2>
      <p class="hint">
        Per second of the run, by the second each request started: p50/p95/p99 of request duration, then
        requests and failed requests (no answer or HTTP ≥ 400).
      </p>
      ${latencyOverTimeChart(l.points)}
      <div class="chart-gap"></div>
      ${throughputChart(l.points)}
    </section>
    <section class="card" id="distribution">
      <h2>Latency distribution</h2>
      <p class="hint">
        ${formatCount(l.requests)} requests · p50 ${formatMs(l.p50Ms)} · p95 ${formatMs(l.p95Ms)} · p99
        ${formatMs(l.p99Ms)}
      </p>
      ${latencyHistogramChart(l.histogram, l)}
    </section>`;
}

/** Per runner of a merged ledger (load workers, k6-operator runners): Prometheus counts per flow only. */
function runnerAccountingTable(report: RunReport): SafeHtml | null {
  const rows = report.accountingByRunner ?? [];
  if (rows.length === 0) return null;
  const cell = (n: number, sent: number): SafeHtml =>
    n === sent ? html`<td class="num">${n}</td>` : html`<td class="num fail">${n} (${n - sent})</td>`;
  return html`<h3>Per runner (merged ledger)</h3>
    <table>
      <thead>
        <tr>
          <th>runner</th>
          <th>segment</th>
          <th>sent</th>
          <th>traced</th>
          <th>logged</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) =>
            html`<tr>
              <td>${r.runner}</td>
              <td>${r.segment ?? '—'}</td>
              <td class="num">${r.sent}</td>
              ${cell(r.traced, r.sent)} ${cell(r.logged, r.sent)}
            </tr>`,
        )}
      </tbody>
    </table>`;
}

function drillsSection(report: RunReport): SafeHtml | null {
  if (report.drills.length === 0) return null;
  const scaleMs = drillScaleMs(report.drills);
  return html`<section class="card" id="drills">
    <h2>Alert drills</h2>
    <p class="hint">
      Each drill injects a fault, then times the alert from injection: pending, firing, delivered by
      Alertmanager to the receiver, resolved after the fault is removed.
    </p>
    <table>
      <thead>
        <tr>
          <th>status</th>
          <th>alert → receiver</th>
          <th>fault at</th>
          <th>timeline from the fault (shared scale)</th>
        </tr>
      </thead>
      <tbody>
        ${report.drills.map(
          (d) =>
            html`<tr>
              <td class="nowrap">${badge(d.status)}</td>
              <td>
                <span class="check-id">${d.alert}</span><br /><span class="check-title">→ ${d.receiver}</span>
              </td>
              <td class="nowrap">${utcTime(d.startedAt)}</td>
              <td class="timeline">${drillTimeline(d, scaleMs)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function evidenceValue(value: unknown): SafeHtml {
  if (typeof value === 'string') {
    return value.includes('\n') || value.length > 120
      ? html`<pre>${clip(value)}</pre>`
      : html`<code>${value}</code>`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return html`<code>${String(value)}</code>`;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return html`<ul>
      ${value.slice(0, HTML_EVIDENCE_ITEMS_SHOWN).map((v: string) => html`<li>${evidenceValue(v)}</li>`)}${more(
        value.length,
        HTML_EVIDENCE_ITEMS_SHOWN,
      )}
    </ul>`;
  }
  let json: string;
  try {
    json = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    json = String(value);
  }
  return html`<pre>${clip(json)}</pre>`;
}

/** Evidence with links into the backends: trace ids → Jaeger, PromQL → Prometheus, URLs as they are. */
function evidenceHtml(evidence: ReportedCheck['evidence'], links: ReportLinks): SafeHtml | null {
  const rows: SafeHtml[] = [];
  const { traceIds, promql, logql, urls, ...rest } = evidence;
  if (traceIds && traceIds.length > 0) {
    rows.push(
      html`<dt>trace ids</dt>
        <dd>
          <ul class="ids">
            ${traceIds
              .slice(0, HTML_EVIDENCE_ITEMS_SHOWN)
              .map((id) => html`<li>${link(jaegerTraceUrl(links.jaeger, id), id, 'mono')}</li>`)}${more(
              traceIds.length,
              HTML_EVIDENCE_ITEMS_SHOWN,
            )}
          </ul>
        </dd>`,
    );
  }
  if (promql && promql.length > 0) {
    rows.push(
      html`<dt>PromQL</dt>
        <dd>
          <ul>
            ${promql.slice(0, HTML_EVIDENCE_ITEMS_SHOWN).map((expr) => {
              const url = prometheusGraphUrl(links.prometheus, expr);
              return html`<li class="query">
                <pre><code>${clip(expr)}</code></pre>
                ${url ? link(url, 'open in Prometheus ↗') : null}
              </li>`;
            })}${more(promql.length, HTML_EVIDENCE_ITEMS_SHOWN)}
          </ul>
        </dd>`,
    );
  }
  if (logql && logql.length > 0) {
    rows.push(
      html`<dt>LogQL</dt>
        <dd>
          <ul>
            ${logql.slice(0, HTML_EVIDENCE_ITEMS_SHOWN).map(
              (q) =>
                html`<li>
                  <pre><code>${clip(q)}</code></pre>
                </li>`,
            )}${more(logql.length, HTML_EVIDENCE_ITEMS_SHOWN)}
          </ul>
        </dd>`,
    );
  }
  if (urls && urls.length > 0) {
    rows.push(
      html`<dt>links</dt>
        <dd>
          <ul>
            ${urls
              .slice(0, HTML_EVIDENCE_ITEMS_SHOWN)
              .map(
                (u) => html`<li>${link(u, u, 'mono')}</li>`,
              )}${more(urls.length, HTML_EVIDENCE_ITEMS_SHOWN)}
          </ul>
        </dd>`,
    );
  }
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    rows.push(
      html`<dt>${key}</dt>
        <dd>${evidenceValue(value)}</dd>`,
    );
  }
  return rows.length === 0 ? null : html`<dl class="evidence">${rows}</dl>`;
}

function problemDetails(check: ReportedCheck, links: ReportLinks): SafeHtml {
  return html`<details
    class="check check-${check.status}${check.required ? '' : ' informational'}"
    open
    id="check-${check.id}"
  >
    <summary>
      ${badge(check.status)}<span class="check-id">${check.id}</span
      ><span class="check-title">${check.title}</span><span class="tag">phase ${check.phase}</span>${
        check.required ? null : html`<span class="tag tag-info">informational</span>`
      }
    </summary>
    <div class="check-body">
      <p class="message">${check.message}</p>
      <dl class="expect">
        <dt>expected</dt>
        <dd>${check.expected}</dd>
        <dt>observed</dt>
        <dd class="observed">${check.observed}</dd>
      </dl>
      ${evidenceHtml(check.evidence, links)}
    </div>
  </details>`;
}

function failuresSection(report: RunReport): SafeHtml {
  const unwaived = new Set(report.gate.skippedRequired);
  const problems = report.checks
    .filter((c) => c.status === 'fail' || c.status === 'error' || unwaived.has(c.id))
    .map((c, i) => ({ c, i }))
    .sort((a, b) => Number(b.c.required) - Number(a.c.required) || a.i - b.i)
    .map(({ c }) => c);
  const body =
    problems.length === 0
      ? html`<p class="ok-note">
          No failures: every check
          passed${report.gate.waived.length > 0 ? ' or was skipped under a waiver' : ''}.
        </p>`
      : problems.map((c) => problemDetails(c, report.links));
  return html`<section class="card" id="failures">
    <h2>Failures <span class="count">(${problems.length})</span></h2>
    <p class="hint">
      Required checks first; informational checks belong to a later phase and do not fail this gate.
    </p>
    ${body}
  </section>`;
}

/** The required checks that were skipped under a config waiver, with reasons, and waivers that did nothing. */
function waiversSection(report: RunReport): SafeHtml | null {
  const { waived, waiverWarnings } = report.gate;
  if (waived.length === 0 && waiverWarnings.length === 0) return null;
  return html`<section class="card" id="waived">
    <h2>Waived <span class="count">(${waived.length})</span></h2>
    <p class="hint">
      Required checks that were skipped, accepted by the <code>waive</code> entries of harness.config.ts.
    </p>
    ${
      waived.length > 0
        ? html`<table>
            <thead>
              <tr>
                <th>check</th>
                <th>reason</th>
              </tr>
            </thead>
            <tbody>
              ${waived.map(
                (w) =>
                  html`<tr>
                    <td class="check-id">${w.id}</td>
                    <td>${w.reason}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : null
    }
    ${waiverWarnings.map((w) => html`<p class="hint">⚠ ${w}</p>`)}
  </section>`;
}

function checkTable(checks: readonly ReportedCheck[], detail: 'title' | 'message'): SafeHtml {
  return html`<table>
    <thead>
      <tr>
        <th>status</th>
        <th>check</th>
        <th>${detail === 'title' ? 'what it proves' : 'reason'}</th>
        <th class="num">phase</th>
        <th class="num">time</th>
      </tr>
    </thead>
    <tbody>
      ${checks.map(
        (c) =>
          html`<tr>
            <td class="nowrap">${badge(c.status)}</td>
            <td class="check-id">${c.id}</td>
            <td>
              ${detail === 'title' ? c.title : c.message}${
                c.required ? null : html` <span class="tag tag-info">informational</span>`
              }
            </td>
            <td class="num">${c.phase}</td>
            <td class="num">${c.durationMs === undefined ? '—' : formatMs(c.durationMs)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function collapsedChecks(
  id: string,
  title: string,
  checks: readonly ReportedCheck[],
  detail: 'title' | 'message',
): SafeHtml | null {
  if (checks.length === 0) return null;
  return html`<details class="card section" id="${id}">
    <summary>
      <h2>${title} <span class="count">(${checks.length})</span></h2>
    </summary>
    ${checkTable(checks, detail)}
  </details>`;
}

function componentsSection(report: RunReport): SafeHtml {
  const body =
    report.components.length === 0
      ? html`<p class="empty">No components recorded.</p>`
      : html`<table>
          <thead>
            <tr>
              <th>component</th>
              <th>version</th>
              <th>endpoint</th>
            </tr>
          </thead>
          <tbody>
            ${report.components.map(
              (c) =>
                html`<tr>
                  <td>${c.name}</td>
                  <td class="mono">${c.version}</td>
                  <td>${c.url === undefined ? '—' : link(c.url, c.url, 'mono')}</td>
                </tr>`,
            )}
          </tbody>
        </table>`;
  return html`<section class="card" id="components">
    <h2>Components</h2>
    <p class="hint">What this run validated against: one pinned version per component.</p>
    ${body}
  </section>`;
}

function configSection(report: RunReport): SafeHtml {
  const json = JSON.stringify(redactSecrets(report.config), null, 2) ?? 'null';
  return html`<details class="card section" id="config">
    <summary><h2>Effective configuration</h2></summary>
    <pre>${json}</pre>
  </details>`;
}

/** The report as one self-contained HTML page: inline CSS and SVG, no script, no network. */
export function renderHtmlReport(report: RunReport): string {
  const passing = report.checks.filter((c) => c.status === 'pass');
  const skipped = report.checks.filter((c) => c.status === 'skip');
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="${new SafeHtml(HTML_REPORT_CSP)}" />
        <meta name="referrer" content="no-referrer" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>
          ${report.verdict.toUpperCase()} · phase ${report.gate.phase} gate · Phoenix observability ·
          ${report.runId}
        </title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        ${header(report)}
        <main class="wrap">
          ${tiles(report)} ${nav(report)} ${accountingSection(report)} ${latencySection(report)}
          ${drillsSection(report)} ${failuresSection(report)} ${waiversSection(report)}
          ${collapsedChecks('passing', 'Passing checks', passing, 'title')}
          ${collapsedChecks('skipped', 'Skipped checks', skipped, 'message')} ${componentsSection(report)}
          ${configSection(report)}
        </main>
        <footer class="wrap">
          Phoenix Observability Harness · run report schema v${report.schemaVersion} · self-contained: no
          scripts, no network · generated ${utc(report.finishedAt)}
        </footer>
      </body>
    </html> `;
  return page.value;
}

/** Writes `report.html`: one file a person can open offline, or attach to a ticket. */
export function htmlReporter(options: HtmlReporterOptions | undefined, context: ReporterContext): Reporter {
  const { outputFile } = parseReporterOptions(htmlReporterOptionsSchema, options);
  return {
    async onRunEnd(report) {
      const path = resolveOutputFile('html', { outputFile, outDir: context.outDir, env: context.env });
      writeFileAtomic(path, renderHtmlReport(report));
      return { files: [path] };
    },
  };
}
