import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from './run-command.ts';

describe('runCommand', () => {
  beforeEach(() => void (process.env.PHX_SECRET_TEST = 's3cr3t-value'));
  afterEach(() => void delete process.env.PHX_SECRET_TEST);

  it("runs a tool without the harness's secrets in its environment", async () => {
    const out = await runCommand('env', []);
    expect(out).toMatch(/^PATH=/m);
    expect(out).not.toContain('PHX_SECRET_TEST');
    expect(out).not.toContain('s3cr3t-value');
  });

  it('returns stdout then stderr, and names the exit code and the last lines when it fails', async () => {
    expect(await runCommand('sh', ['-c', 'echo out; echo err >&2'])).toBe('out\nerr\n');
    await expect(runCommand('sh', ['-c', 'echo out; echo err >&2; exit 3'])).rejects.toThrow(
      'sh exited with 3\nout\nerr',
    );
  });

  it('names a tool that is not installed, and what to do', async () => {
    const running = runCommand('phx-no-such-tool', ['--version']);
    await expect(running).rejects.toThrow('cannot run phx-no-such-tool: not found on PATH');
    await expect(running).rejects.toMatchObject({
      hint: 'install phx-no-such-tool (see README, "Prerequisites")',
    });
  });
});
