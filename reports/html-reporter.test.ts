import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HTML_REPORT_CSP, htmlReporter, renderHtmlReport } from './html-reporter.ts';
import type { ReportedCheck, RunReport } from './model.ts';
import { sampleRunReport } from './testing/sample-report.ts';

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = '<script>alert(1)</script>';
const ATTRIBUTE_BREAKOUT = '"><img src=x onerror=alert(1)>';
const JS_URL = 'javascript:alert(document.domain)';

function hostileReport(): RunReport {
  const base = sampleRunReport();
  const hostile: ReportedCheck = {
    id: `logs.${SCRIPT}`,
    family: 'logs',
    title: `title ${ATTRIBUTE_BREAKOUT}`,
    status: 'fail',
    phase: 1,
    required: true,
    expected: `expected ${SCRIPT}`,
    observed: `observed ${ATTRIBUTE_BREAKOUT}`,
    message: `log line: {"msg":"${SCRIPT}"} ${ATTRIBUTE_BREAKOUT}`,
    evidence: {
      traceIds: [`abc${ATTRIBUTE_BREAKOUT}`],
      promql: [`up{job="${ATTRIBUTE_BREAKOUT}"}`],
      logql: [`{app="x"} |= "${SCRIPT}"`],
      urls: [JS_URL, `http://grafana.example/d/x?q=${ATTRIBUTE_BREAKOUT}`],
      [`key${SCRIPT}`]: { nested: SCRIPT },
    },
  };
  return {
    ...base,
    runId: `run ${SCRIPT}`,
    checks: [...base.checks, hostile, { ...(base.checks[0] as ReportedCheck), title: `pass ${SCRIPT}` }],
    accounting: [{ flow: `flow ${SCRIPT}`, sent: 1, traced: 1, logged: 1, counted: 1 }],
    drills: [
      {
        alert: `alert ${ATTRIBUTE_BREAKOUT}`,
        receiver: SCRIPT,
        startedAt: base.startedAt,
        pendingMs: 10,
        status: 'fail',
      },
    ],
    components: [{ name: SCRIPT, version: ATTRIBUTE_BREAKOUT, url: JS_URL }],
    config: { note: SCRIPT, [ATTRIBUTE_BREAKOUT]: 1 },
    links: { ...base.links, jaeger: 'javascript:alert(1)//' },
  };
}

/** Whitespace-insensitive markup for matching (the templates are prettier-formatted HTML). */
function squash(markup: string): string {
  return markup
    .replace(/\s+/g, ' ')
    .replace(/\s+(\/?>)/g, '$1')
    .replace(/> </g, '><');
}

describe('renderHtmlReport', () => {
  const page = squash(renderHtmlReport(sampleRunReport()));

  it('is one self-contained document: a CSP forbidding scripts and loads, no external references', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${HTML_REPORT_CSP}"/>`);
    expect(HTML_REPORT_CSP).toContain("default-src 'none'");
    expect(HTML_REPORT_CSP).toContain("script-src 'none'");
    expect(page).not.toMatch(/<script|<link|<iframe|<object|<embed|<img|@import|url\(/i);
    expect(page).not.toMatch(/\son[a-z]+=/i);
    // Every src is absent; every href is an in-page fragment or an http(s) link to a backend.
    expect(page).not.toMatch(/\ssrc=/i);
    for (const [, href] of page.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^(#[a-z-]+|https?:\/\/)/);
  });

  it("allows exactly its one inline style block, by the block's hash", () => {
    const style = /<style>([\s\S]*?)<\/style>/.exec(renderHtmlReport(sampleRunReport()))?.[1] ?? '';
    const hash = createHash('sha256').update(style).digest('base64');
    expect(HTML_REPORT_CSP).toContain(`style-src 'sha256-${hash}'`);
    expect(page.match(/<style/g)).toHaveLength(1);
    expect(page).not.toMatch(/\sstyle=/);
  });

  it('puts the verdict and gate first, failures open with evidence links, passing checks collapsed', () => {
    expect(page.indexOf('class="verdict verdict-fail"')).toBeLessThan(page.indexOf('id="accounting"'));
    expect(page).toContain('<span class="verdict-word" data-verdict="fail">FAIL</span>');
    expect(page).toContain('<h1>Phase 2 gate fails (1 waived)</h1>');
    expect(page).toContain('3 of 25 required checks failed');
    const order = [
      'id="accounting"',
      'id="latency"',
      'id="distribution"',
      'id="drills"',
      'id="failures"',
      'id="passing"',
      'id="components"',
      'id="config"',
    ];
    const positions = order.map((marker) => page.indexOf(marker));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(page).toMatch(/<details class="check check-fail" open id="check-traces\.propagation">/);
    expect(page).toMatch(/<details class="card section" id="passing">/);
    expect(page).toContain('href="http://127.0.0.1:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736"');
    expect(page).toContain('href="http://127.0.0.1:41231/graph?g0.expr=sum%20by%20(flow%2C%20status)');
    expect(page).toContain('count_over_time({job=&quot;phoenix&quot;}');
    expect(page).toContain('href="http://127.0.0.1:3000/d/phoenix-orchestrator?viewPanel=7"');
    expect(page).toContain('<td>grafana</td><td class="mono">12.0.2</td>');
    expect(page).toContain('&quot;scenario&quot;: &quot;load&quot;');
  });

  it('renders hostile text from outside inert: escaped text, no tags, no attributes, no javascript: links', () => {
    const hostile = squash(renderHtmlReport(hostileReport()));
    const body = hostile.slice(hostile.indexOf('<body>'));
    // Outside text never contains a raw `<`, so every tag left in the page is the report's own.
    const tags = [...body.matchAll(/<\/?([a-zA-Z][\w-]*)[^>]*>/g)];
    const names = new Set(tags.map((t) => t[1]?.toLowerCase()));
    expect(names.has('script') || names.has('img')).toBe(false);
    // Attribute values are double-quoted with `"` escaped: outside their quotes, no event handler.
    const attributeNames = tags.map((t) => t[0].replace(/"[^"]*"/g, '""'));
    expect(attributeNames.filter((t) => /\son\w+\s*=/i.test(t))).toEqual([]);
    expect(body).not.toMatch(/href="\s*javascript:/i);
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    // The javascript: URLs are shown as text, and the unsafe Jaeger base links no trace.
    expect(body).toContain(`<span class="mono">${JS_URL}</span>`);
    expect(body).toContain('<span class="mono">abc&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</span>');
    expect(body).toContain('href="http://grafana.example/d/x?q=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E"');
    expect(hostile.slice(0, hostile.indexOf('<body>'))).toMatch(
      /<title> ?FAIL · phase 2 gate · Phoenix observability · run &lt;script&gt;alert\(1\)&lt;\/script&gt; ?<\/title>/,
    );
  });
});

describe('verdicts', () => {
  it('shows a holding gate in green and a run that could not complete as an error', () => {
    const passing = sampleRunReport().checks.map((c) => ({ ...c, status: 'pass' as const }));
    const holds = squash(
      renderHtmlReport(
        sampleRunReport({
          checks: passing,
          verdict: 'pass',
          gate: {
            phase: 2,
            required: passing.filter((c) => c.required).map((c) => c.id),
            failedRequired: [],
            skippedRequired: [],
            waived: [],
            waiverWarnings: [],
          },
        }),
      ),
    );
    expect(holds).toContain('<header class="verdict verdict-pass" id="verdict">');
    expect(holds).toContain('<h1>Phase 2 gate holds</h1>');
    expect(holds).toContain('all 25 required checks passed');
    expect(holds).toContain('No failures: every check passed.');

    const error = squash(
      renderHtmlReport(sampleRunReport({ verdict: 'error', latency: undefined, drills: [], accounting: [] })),
    );
    expect(error).toContain('<span class="verdict-word" data-verdict="error">ERROR</span>');
    expect(error).toContain('<h1>The run did not complete</h1>');
    expect(error).toContain('Not measured: the run had no ledger.');
    expect(error).not.toContain('id="drills"');
  });
});

describe('html reporter', () => {
  it('writes report.html into the run directory', async () => {
    const outDir = tempDir('phx-html-');
    const output = await htmlReporter(undefined, {
      outDir,
      env: {},
      stdout: { write: () => true },
    }).onRunEnd?.(sampleRunReport());
    expect(output).toEqual({ files: [join(outDir, 'report.html')] });
    expect(readFileSync(join(outDir, 'report.html'), 'utf8')).toContain('Phase 2 gate fails');
  });
});
