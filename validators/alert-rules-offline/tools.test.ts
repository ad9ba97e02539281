import { describe, expect, it } from 'vitest';
import { runTool } from './tools.ts';

describe('runTool', () => {
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

  it('runs the tool at the lowest CPU priority, so it cannot slow the load it runs beside', async () => {
    // The shell reads its niceness after a moment: runTool lowers it right after the spawn.
    const run = await runTool('/bin/sh', ['-c', 'sleep 0.2; nice']);
    expect(run).toEqual({ code: 0, stdout: '19\n', stderr: '' });
  });

  it('reports a tool that cannot be started as data, naming it', async () => {
    const run = await runTool('/nonexistent/promtool', ['--version']);
    expect(run.code).toBeUndefined();
    expect(run.error).toMatch(/^could not run \/nonexistent\/promtool: ENOENT/);
  });
});
