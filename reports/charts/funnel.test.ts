import { describe, expect, it } from 'vitest';
import { expectFiniteSvg, squash } from '../testing/svg-markup.ts';
import { funnelChart } from './funnel.ts';

describe('funnelChart', () => {
  it('draws empty data without NaN or Infinity', () => {
    expectFiniteSvg(funnelChart({ flow: 'f', sent: 0, traced: 0, logged: 0, counted: 0 }));
  });

  it('escapes labels from outside', () => {
    const funnel = funnelChart({
      flow: '<script>x</script>',
      sent: 1,
      traced: 1,
      logged: 1,
      counted: 1,
    }).value;
    expect(funnel).not.toContain('<script>');
    expect(funnel).toContain('&lt;script&gt;x&lt;/script&gt;');
  });

  it('marks a funnel stage red when short, amber when over, green when exact', () => {
    const svg = squash(funnelChart({ flow: 'f', sent: 10, traced: 9, logged: 10, counted: 20 }).value);
    expect(svg).toContain('−1 · 90%');
    expect(svg).toContain('+10 · 200%');
    expect(svg).toMatch(/fill="#cf222e"><title>traced: 9 of 10 sent/);
    expect(svg).toMatch(/fill="#1a7f37"><title>logged: 10 of 10 sent/);
    expect(svg).toMatch(/fill="#bf8700"><title>counted: 20 of 10 sent/);
  });
});
