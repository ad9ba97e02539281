import { describe, expect, it } from 'vitest';
import { renderJunitXml } from './junit-reporter.ts';
import type { ReportedCheck } from './model.ts';
import { sampleRunReport } from './testing/sample-report.ts';

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function decode(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&amp;/g, '&');
}

/**
 * A tiny, strict XML reader for the test: elements, attributes, text and CDATA; throws on a tag
 * that does not match, raw `<` or `&` in text, or anything left open. Enough to prove well-formedness.
 */
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack = [root];
  const token =
    /<\?[^?]*\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<\/([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let position = 0;
  while (position < xml.length) {
    token.lastIndex = position;
    match = token.exec(xml);
    if (!match) throw new Error(`malformed XML at ${position}: ${xml.slice(position, position + 40)}`);
    position = token.lastIndex;
    const top = stack[stack.length - 1];
    if (!top) throw new Error('closed the document element twice');
    const [, cdata, close, open, attrs, selfClose, text] = match;
    if (cdata !== undefined) top.text += cdata;
    else if (close !== undefined) {
      if (top.name !== close) throw new Error(`</${close}> closes <${top.name}>`);
      stack.pop();
    } else if (open !== undefined) {
      const attributes: Record<string, string> = {};
      for (const [, k, v] of (attrs ?? '').matchAll(/([\w:-]+)="([^"]*)"/g))
        attributes[k ?? ''] = decode(v ?? '');
      const element: XmlElement = { name: open, attributes, children: [], text: '' };
      top.children.push(element);
      if (selfClose !== '/') stack.push(element);
    } else if (text !== undefined) {
      if (/&(?!(lt|gt|amp|quot|apos|#x[0-9a-f]+|#\d+);)/i.test(text))
        throw new Error(`raw & in text: ${text}`);
      top.text += decode(text);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  const [document, ...rest] = root.children;
  if (!document || rest.length > 0) throw new Error('expected exactly one document element');
  return document;
}

function all(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((c) => [...(c.name === name ? [c] : []), ...all(c, name)]);
}

describe('renderJunitXml', () => {
  const report = sampleRunReport();
  const doc = parseXml(renderJunitXml(report));

  it('is testsuites → one testsuite per family → one testcase per check, with the counts', () => {
    expect(doc.name).toBe('testsuites');
    const suites = doc.children.filter((c) => c.name === 'testsuite');
    expect(suites.map((s) => s.attributes['name'])).toEqual([
      'pipeline',
      'traces',
      'metrics',
      'logs',
      'alerts',
      'dashboards',
      'baseline',
    ]);
    const cases = all(doc, 'testcase');
    expect(cases).toHaveLength(report.checks.length);
    for (const c of cases) {
      expect(c.attributes['name']).toBeTruthy();
      expect(c.attributes['classname']).toMatch(/^phoenix\.[a-z]+$/);
      expect(Number(c.attributes['time'])).toBeGreaterThanOrEqual(0);
    }
    // traces.propagation, metrics.accounting fail; logs.completeness errors; dashboards.panels.data is
    // informational (phase 3 under a phase 2 gate) so it is skipped, like the two skip checks.
    expect(doc.attributes).toMatchObject({
      tests: String(report.checks.length),
      failures: '2',
      errors: '1',
      skipped: '3',
    });
    expect(all(doc, 'failure')).toHaveLength(2);
    expect(all(doc, 'error')).toHaveLength(1);
    expect(all(doc, 'skipped')).toHaveLength(3);
    const traces = suites.find((s) => s.attributes['name'] === 'traces');
    expect(traces?.attributes).toMatchObject({
      tests: '5',
      failures: '1',
      errors: '0',
      skipped: '0',
      timestamp: '2026-11-23T12:32:50',
    });
  });

  it('puts the message in the failure and expected/observed/evidence in its body', () => {
    const testcase = all(doc, 'testcase').find((c) =>
      c.attributes['name']?.startsWith('traces.propagation:'),
    );
    const failure = testcase?.children.find((c) => c.name === 'failure');
    expect(failure?.attributes['message']).toBe(
      report.checks.find((c) => c.id === 'traces.propagation')?.message,
    );
    expect(failure?.text).toContain('expected: one root span per trace');
    expect(failure?.text).toContain('observed: 412 of 1,190');
    expect(failure?.text).toContain('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(failure?.text).toContain('"from":"data-router"');
    const error = all(doc, 'error')[0];
    expect(error?.attributes['message']).toMatch(/^Loki query_range/);
    expect(error?.text).toContain('count_over_time');
  });

  it('writes informational failures as real failures when asked', () => {
    const strict = parseXml(renderJunitXml(report, { informational: 'failure' }));
    expect(strict.attributes).toMatchObject({ failures: '3', skipped: '2' });
  });

  it('stays well-formed with hostile text: markup, quotes, control characters and several ]]>', () => {
    const hostile: ReportedCheck = {
      ...(report.checks[5] as ReportedCheck),
      id: 'logs.<x>&"y"',
      status: 'fail',
      required: true,
      message: 'a <b>"quoted"</b> & \u0001bell ]]> end',
      expected: 'x]]>y]]>z',
      observed: '<![CDATA[ nested ]]>',
      evidence: { line: ']]><script>alert(1)</script>' },
    };
    const xml = renderJunitXml({ ...report, checks: [hostile] });
    const parsed = parseXml(xml);
    const failure = all(parsed, 'failure')[0];
    expect(failure?.attributes['message']).toBe('a <b>"quoted"</b> & bell ]]> end');
    expect(failure?.text).toContain('x]] >y]] >z');
    expect(all(parsed, 'testcase')[0]?.attributes['name']).toBe(`logs.<x>&"y": ${hostile.title}`);
    expect(all(parsed, 'script')).toHaveLength(0);
  });
});
