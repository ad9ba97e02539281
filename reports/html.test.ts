import { describe, expect, it } from 'vitest';
import { SafeHtml, escapeHtml, html, jaegerTraceUrl, link, prometheusGraphUrl, safeHttpUrl } from './html.ts';

describe('escapeHtml', () => {
  it('escapes every character that can start markup or end an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&#96;&lt;/a&gt;',
    );
  });
});

describe('html template tag', () => {
  it('escapes interpolations, keeps SafeHtml and flattens arrays; skips null, undefined and booleans', () => {
    const inner = html`<b>${'<i>'}</b>`;
    const out = html`<p title="${'"x"'}">${inner}${['<', 1, null, undefined, false, true]}</p>`;
    expect(out).toBeInstanceOf(SafeHtml);
    expect(out.value).toBe('<p title="&quot;x&quot;"><b>&lt;i&gt;</b>&lt;1</p>');
  });
});

describe('safeHttpUrl', () => {
  it('allows absolute http and https URLs only, without credentials', () => {
    expect(safeHttpUrl('http://127.0.0.1:16686/trace/abc')).toBe('http://127.0.0.1:16686/trace/abc');
    expect(safeHttpUrl(' https://user:pw@grafana.example/d/x?viewPanel=2 ')).toBe(
      'https://grafana.example/d/x?viewPanel=2',
    );
    for (const bad of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      '//evil.example/x',
      '/relative',
      'not a url',
      undefined,
    ]) {
      expect(safeHttpUrl(bad), String(bad)).toBeUndefined();
    }
  });

  it('links only safe URLs; anything else is text', () => {
    expect(link('javascript:alert(1)').value).toBe('<span class="">javascript:alert(1)</span>');
    expect(link('http://a.example/?q="><x>', 'go').value).toBe(
      '<a class="" href="http://a.example/?q=%22%3E%3Cx%3E" target="_blank" rel="noopener noreferrer">go</a>',
    );
  });

  it('builds Jaeger and Prometheus links from safe bases only, encoding the id and query', () => {
    expect(jaegerTraceUrl('http://127.0.0.1:16686/', 'abc/../x')).toBe(
      'http://127.0.0.1:16686/trace/abc%2F..%2Fx',
    );
    expect(jaegerTraceUrl('javascript:alert(1)//', 'abc')).toBeUndefined();
    expect(jaegerTraceUrl(undefined, 'abc')).toBeUndefined();
    expect(prometheusGraphUrl('http://p:9090', 'sum(rate(x{a="b"}[5m]))')).toBe(
      'http://p:9090/graph?g0.expr=sum(rate(x%7Ba%3D%22b%22%7D%5B5m%5D))&g0.tab=0',
    );
  });
});
