import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { CheckResult, GateVerdict } from '../../api/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** The one ```ts block of docs/api.md, exactly as the page shows it. */
function docsExample(): string {
  const page = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
  const blocks = [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
  expect(blocks, 'docs/api.md has one ```ts example').toHaveLength(1);
  return blocks[0] ?? '';
}

describe('docs/api.md', () => {
  it('runs its example as written against the embedded stack, and the gate it returns holds', async () => {
    // Inside the repo, so `phoenix-observability-harness` resolves to this package (self-reference).
    const dir = join(ROOT, 'out', 'docs-api');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `example-${process.pid}-${Date.now()}.ts`);
    writeFileSync(file, docsExample());
    const printed = vi.spyOn(console, 'log');
    const { checks, gate } = (await import(file)) as { checks: CheckResult[]; gate: GateVerdict };
    const lines = printed.mock.calls.map((args) => args.join(' '));
    printed.mockRestore();
    expect(lines.at(-1)).toBe('phase 1 gate: HOLDS');
    // `await using` stopped the stack when the example's module ended: its Prometheus no longer answers.
    const prometheus = /^Prometheus (\S+),/.exec(lines[0] ?? '')?.[1];
    expect(prometheus, lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(fetch(`${prometheus}/-/ready`)).rejects.toThrow('fetch failed');
    const notPassing = checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.message}`);
    expect(checks.length).toBeGreaterThan(0);
    expect(new Set(checks.map((c) => c.family))).toEqual(new Set(['traces', 'metrics', 'logs']));
    expect(gate.verdict, notPassing.join('\n')).toBe('pass');
    expect(gate.phase).toBe(1);
  });
});
