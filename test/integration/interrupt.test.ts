import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../core/index.ts';
import { cacheRoot } from '../../stack/provision/cache.ts';

const CLI = resolve(import.meta.dirname, '../../cli/main.ts');
const OUT_ROOT = resolve(import.meta.dirname, '../../out');

interface Ended {
  code: number | null;
  stderr: string;
  stdout: string;
}

/**
 * Starts `phx-harness validate --phase <phase>` (default 1) with a config whose load lasts minutes
 * (so the run is certainly still loading when the test acts), and calls `onLoadStage` once the load
 * stage's progress line appears on its output.
 */
function validateUntilLoad(
  out: string,
  config: string,
  onLoadStage: (pid: number) => void,
  stage = /▶ running the smoke scenario/,
  phase = 1,
): Promise<Ended> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, '--config', config, 'validate', '--phase', String(phase), '--out', out],
      { env: { ...process.env, CI: 'true' } },
    );
    let stdout = '';
    let stderr = '';
    let told = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (!told && stage.test(stderr)) {
        told = true;
        onLoadStage(child.pid ?? 0);
      }
    });
    child.on('exit', (code) => done({ code, stderr, stdout }));
  });
}

function writeConfig(dir: string, extra = '', phases = [1]): string {
  const file = join(dir, 'harness.config.ts');
  writeFileSync(
    file,
    `${extra}\nexport default { phases: ${JSON.stringify(phases)}, load: { scenario: 'smoke', duration: '5m' }, reporters: ['console', 'json', 'junit', 'html'] };\n`,
  );
  return file;
}

/** The run directory the interrupted run names in its last line. */
function runDirOf(ended: Ended): string {
  const dir = /partial report in (\S+)/.exec(ended.stderr)?.[1];
  expect(dir, ended.stderr.slice(-3000)).toBeDefined();
  return dir ?? '';
}

/** Processes whose command line mentions the run's output folder (stack components, the engine). */
async function leftoverProcesses(out: string): Promise<string> {
  const outcome = await pollUntil({
    description: `no process mentioning ${out}`,
    probe: async () => spawnSync('pgrep', ['-af', out], { encoding: 'utf8' }).stdout.trim(),
    until: (list) => list === '',
    timeoutMs: 10_000,
    intervalMs: 200,
  });
  return outcome.ok ? '' : String(outcome.last ?? '');
}

/** Journal files of the harness cache that still name the run. */
function journalsNaming(runId: string): string[] {
  const dir = join(cacheRoot(), 'runs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => readFileSync(join(dir, f), 'utf8').includes(runId));
}

interface PartialReport {
  runId: string;
  verdict: string;
  interrupted?: { reason: string; stage: string; message: string };
}

describe('an interrupted validate run (real stack, fleet, in-process engine)', () => {
  it('SIGINT during the load: tears everything down, writes a partial report marked interrupted, exits 130', async () => {
    const out = mkdtempSync(join(OUT_ROOT, 'interrupt-'));
    const ended = await validateUntilLoad(out, writeConfig(out), (pid) => process.kill(pid, 'SIGINT'));
    expect(ended.code, ended.stderr.slice(-3000)).toBe(130);
    const runDir = runDirOf(ended);
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as PartialReport;
    expect(report.verdict).toBe('error');
    expect(report.interrupted?.reason).toBe('SIGINT');
    expect(report.interrupted?.stage).toMatch(/^running the smoke scenario/);
    expect(ended.stdout).toContain('phase 1 gate: NOT JUDGED (run interrupted by SIGINT (Ctrl-C) during');
    expect(ended.stdout).not.toContain('HOLDS');
    expect(readFileSync(join(runDir, 'junit.xml'), 'utf8')).toContain('type="RunInterrupted"');
    expect(existsSync(join(runDir, 'report.html'))).toBe(true);
    expect(await leftoverProcesses(out)).toBe('');
    expect(journalsNaming(report.runId)).toEqual([]);
  });

  it('SIGTERM while the fleet starts: the same teardown and partial report, exits 143', async () => {
    const out = mkdtempSync(join(OUT_ROOT, 'sigterm-'));
    // At phase 2 the fleet stage waits for Prometheus' first scrape (the drills' steady-state check
    // reads the alerts over the load), seconds in which the signal lands; at phase 1 it is instant.
    const ended = await validateUntilLoad(
      out,
      writeConfig(out, '', [1, 2]),
      (pid) => process.kill(pid, 'SIGTERM'),
      /▶ starting the mock Phoenix fleet/,
      2,
    );
    expect(ended.code, ended.stderr.slice(-3000)).toBe(143);
    const report = JSON.parse(readFileSync(join(runDirOf(ended), 'report.json'), 'utf8')) as PartialReport;
    expect(report.verdict).toBe('error');
    expect(report.interrupted).toMatchObject({ reason: 'SIGTERM', stage: 'starting the mock Phoenix fleet' });
    expect(ended.stdout).not.toContain('HOLDS');
    expect(await leftoverProcesses(out)).toBe('');
    expect(journalsNaming(report.runId)).toEqual([]);
  });

  it('an unhandled rejection during the load: tears down, partial report marked crash, exits 2', async () => {
    const out = mkdtempSync(join(OUT_ROOT, 'crash-'));
    // The config is code the harness imports: it rejects a promise nobody handles once the load starts.
    const config = writeConfig(
      out,
      [
        'const write = process.stderr.write.bind(process.stderr);',
        'let fired = false;',
        'process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {',
        "  if (!fired && String(chunk).includes('▶ running the smoke scenario')) {",
        '    fired = true;',
        "    setImmediate(() => void Promise.reject(new Error('injected by the test config')));",
        '  }',
        '  return write(chunk, ...rest);',
        '}) as typeof process.stderr.write;',
      ].join('\n'),
    );
    const ended = await validateUntilLoad(out, config, () => undefined);
    expect(ended.code, ended.stderr.slice(-3000)).toBe(2);
    expect(ended.stderr).toContain(
      'phx-harness: the harness crashed (unhandled rejection): Error: injected by the test config',
    );
    const runDir = runDirOf(ended);
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as PartialReport;
    expect(report.verdict).toBe('error');
    expect(report.interrupted).toMatchObject({
      reason: 'crash',
      stage: expect.stringMatching(/^running the smoke/),
    });
    expect(report.interrupted?.message).toContain('unhandled rejection: injected by the test config');
    expect(await leftoverProcesses(out)).toBe('');
  });
});
