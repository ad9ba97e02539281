/**
 * The HTML report in a real browser: it renders, its collapsed sections open without script, hostile
 * text from a log line stays text, and it loads nothing but itself (no network, no console errors).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ReporterMultiplexer,
  createReporters,
  type ReportedCheck,
  type RunReport,
} from '../../reports/index.ts';
import { sampleRunReport } from '../../reports/testing/sample-report.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT_DIR = resolve('out/report-browser');
const SCREENSHOT = resolve('out/report-screenshot.png');

/** A failing check whose message carries a log line an attacker controls. */
const HOSTILE_CHECK: ReportedCheck = {
  id: 'logs.error-lines',
  family: 'logs',
  title: 'No ERROR log lines during the steady-state load',
  status: 'fail',
  phase: 1,
  required: true,
  expected: '0 ERROR lines',
  observed: '1 ERROR line',
  message:
    'executor logged: {"level":"ERROR","msg":"tool output <script>window.__xss = 1</script>","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
  evidence: {
    logql: ['{service="executor"} |= "<script>"'],
    urls: ['javascript:window.__xss=2', 'http://127.0.0.1:3000/explore?left=%7B%7D'],
    line: '"><img src=x onerror="window.__xss=3">',
  },
  durationMs: 410,
};

function hostileReport(): RunReport {
  const base = sampleRunReport();
  const checks = [...base.checks, HOSTILE_CHECK];
  return {
    ...base,
    checks,
    verdict: 'fail',
    gate: {
      ...base.gate,
      required: [...base.gate.required, HOSTILE_CHECK.id],
      failedRequired: [...base.gate.failedRequired, HOSTILE_CHECK.id],
    },
  };
}

describe('HTML report in Chromium', () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: apt-get install chromium (CI installs it) to run the report browser test`,
      );
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the verdict, expands collapsed sections, runs no injected script and loads nothing', async () => {
    if (!browser) throw new Error('Chromium did not start');
    rmSync(OUT_DIR, { recursive: true, force: true });
    mkdirSync(OUT_DIR, { recursive: true });
    const reporters = new ReporterMultiplexer(createReporters(['html'], { outDir: OUT_DIR, env: {} }));
    const outcome = await reporters.onRunEnd(hostileReport());
    expect(outcome.failures).toEqual([]);
    const file = join(OUT_DIR, 'report.html');
    expect(outcome.files).toEqual([file]);
    const fileUrl = pathToFileURL(file).href;

    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
    });
    // A missing element fails in seconds with the selector named, not at the test's timeout.
    context.setDefaultTimeout(5_000);
    try {
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
      page.on('request', (request) => requests.push(request.url()));

      await page.goto(fileUrl, { waitUntil: 'load' });

      const verdict = page.locator('.verdict-word');
      await expect.poll(() => verdict.isVisible()).toBe(true);
      expect(await verdict.textContent()).toBe('FAIL');
      // The inline style block is allowed by its hash in the CSP: were it blocked, nothing would be styled.
      const fontSize = await verdict.evaluate(
        (el) => el.ownerDocument.defaultView?.getComputedStyle(el).fontSize,
      );
      expect(fontSize).toBe('50px');
      expect(await page.locator('h1').textContent()).toBe('Phase 2 gate fails (1 waived)');

      // Failures are expanded: the hostile message is on screen, as text.
      const hostile = page.locator(`details[id="check-${HOSTILE_CHECK.id}"]`);
      expect(await hostile.getAttribute('open')).not.toBeNull();
      const message = hostile.locator('.message');
      expect(await message.isVisible()).toBe(true);
      expect(await message.textContent()).toContain('<script>window.__xss = 1</script>');
      expect(await hostile.locator('script, img').count()).toBe(0);
      expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);

      // The passing checks start collapsed and open on a click on their <summary>, without script.
      const passing = page.locator('details#passing');
      const firstRow = passing.locator('tbody tr').first();
      expect(await passing.getAttribute('open')).toBeNull();
      expect(await firstRow.isVisible()).toBe(false);
      await passing.locator('summary').click();
      await expect.poll(() => firstRow.isVisible()).toBe(true);

      expect(await page.evaluate(() => (globalThis as { __xss?: unknown }).__xss)).toBeUndefined();
      expect(consoleErrors).toEqual([]);
      expect(requests).toEqual([fileUrl]);

      // The failures in view for the screenshot; the whole page is captured.
      await passing.locator('summary').click();
      mkdirSync(resolve('out'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(existsSync(SCREENSHOT)).toBe(true);
    } finally {
      await context.close();
    }
  }, 20_000);
});
