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
});
