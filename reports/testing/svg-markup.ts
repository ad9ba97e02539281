import { expect } from 'vitest';
import type { SafeHtml } from '../html.ts';

/** Whitespace-insensitive markup for matching (the templates are prettier-formatted HTML). */
export function squash(markup: string): string {
  return markup.replace(/\s+/g, ' ').replace(/\s+(\/?>)/g, '$1');
}

/** The chart is an `<svg>` element with no NaN or Infinity in its coordinates. */
export function expectFiniteSvg(svg: SafeHtml): void {
  expect(svg.value).toMatch(/^<svg\s/);
  expect(svg.value).not.toMatch(/NaN|Infinity/);
}
