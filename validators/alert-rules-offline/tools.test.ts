import { describe, expect, it } from 'vitest';
import { runTool } from './tools.ts';

describe('helpers', () => {
  it("runs promtool and amtool without the harness's secrets in their environment", async () => {
    process.env.PHX_SECRET_TEST = 's3cr3t-value';
    try {
      const run = await runTool('/usr/bin/env', []);
      expect(run.stdout).toMatch(/^PATH=/m);
      expect(run.stdout).not.toContain('PHX_SECRET_TEST');
    } finally {
      delete process.env.PHX_SECRET_TEST;
    }
  });
});
