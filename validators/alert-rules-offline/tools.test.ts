import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../core/index.ts';
import { runTool } from './tools.ts';

const TOOLS = fileURLToPath(new URL('./tools.ts', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

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

  it('kills a tool still running when the harness exits (an interrupted run leaves no orphan)', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'phx-tools-')), 'pid');
    // A harness that starts a long tool (it writes its pid, then becomes `sleep`) and exits at once.
    const script = `
      import { runTool } from ${JSON.stringify(TOOLS)};
      void runTool('/bin/sh', ['-c', 'echo $$ > ${pidFile}; exec sleep 30']);
      setTimeout(() => process.exit(0), 1_000);
    `;
    const harness = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(harness.status).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    const outcome = await pollUntil({
      description: 'the tool gone',
      probe: async () => alive(pid),
      until: (running) => !running,
      timeoutMs: 5_000,
      intervalMs: 50,
    });
    if (outcome.last) process.kill(pid, 'SIGKILL');
    expect(outcome.last).toBe(false);
  }, 60_000);
});
