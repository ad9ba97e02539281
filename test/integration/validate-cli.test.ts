import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = resolve(import.meta.dirname, '../../cli/main.ts');
const OUT = mkdtempSync(join(resolve(import.meta.dirname, '../../out'), 'validate-cli-'));
const dockerAnswers = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  runDir: string;
}

/** Runs `phx-harness validate …` as a user would, and finds the run directory it wrote. */
function validate(args: string[]): Promise<CliRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'validate', '--out', OUT, ...args], {
      env: { ...process.env, CI: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      const written = /(\S+)\/report\.json/.exec(stderr)?.[1] ?? '';
      done({ code: code ?? -1, stdout, stderr, runDir: written });
    });
  });
}

const report = (run: CliRun) =>
  JSON.parse(readFileSync(join(run.runDir, 'report.json'), 'utf8')) as {
    verdict: string;
    checks: { id: string; status: string; message: string }[];
  };

describe('npm run validate, end to end (real stack, fleet, in-process load engine)', () => {
  let baselineReport = '';

  it('exits 0 when the phase gate holds, and writes the HTML, JSON and JUnit reports', async () => {
    const run = await validate(['--scenario', 'smoke', '--phase', '1']);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toContain('phase 1 gate: HOLDS');
    for (const file of ['report.html', 'report.json', 'junit.xml'])
      expect(existsSync(join(run.runDir, file)), file).toBe(true);
    expect(report(run).verdict).toBe('pass');
    // No k6 on this machine: the report names the engine that sent the load, and how dashboards ran.
    const written = JSON.parse(readFileSync(join(run.runDir, 'report.json'), 'utf8')) as {
      scenario?: { engine: string };
      dashboardsPath?: string;
    };
    expect(written.scenario?.engine).toBe('in-process engine (node)');
    expect(written.dashboardsPath).toBe('harness');
    baselineReport = join(run.runDir, 'report.json');
  });

  it('exits 2, before starting anything, when asked to run Loki or Grafana on the embedded stack', async () => {
    const run = await validate(['--scenario', 'smoke', '--log-store', 'loki']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /stack\.logStore "loki" cannot run on --stack local: Loki and Grafana are AGPL/,
    );
    expect(run.stderr).toMatch(/--stack docker --images official/);
  });

  it('exits 1 with a fault switched on, and the report names the broken hop', async () => {
    // Phase 1 checks orchestrator-service and data-router, so break the hop between them.
    const run = await validate([
      '--scenario',
      'smoke',
      '--phase',
      '1',
      '--inject',
      'orchestrator-service:drop-traceparent',
    ]);
    expect(run.code).toBe(1);
    const propagation = report(run).checks.find((c) => c.id === 'traces.propagation');
    expect(propagation?.status).toBe('fail');
    expect(propagation?.message).toMatch(/^orchestrator-service → data-router did not propagate traceparent/);
  });

  it("fails the baseline's p95 criterion after 200 ms of injected latency", async () => {
    expect(baselineReport).not.toBe('');
    const run = await validate([
      '--scenario',
      'smoke',
      '--phase',
      '1',
      '--baseline',
      baselineReport,
      '--inject',
      'orchestrator-service:latency:ms=200',
    ]);
    expect(run.code).toBe(1);
    const p95 = report(run).checks.find((c) => c.id === 'baseline.latency.p95');
    expect(p95?.status).toBe('fail');
    expect(p95?.message).toMatch(/^p95 latency [\d.]+ms vs baseline [\d.]+ms/);
  });

  it('exits 2 with the cause when the baseline file is not a report', async () => {
    const run = await validate(['--scenario', 'smoke', '--baseline', CLI]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/main\.ts/);
  });

  // Without a Docker daemon this case cannot run; CI starts one (.ci/run), so there it always runs.
  it.skipIf(!dockerAnswers && process.env.CI !== 'true')(
    'runs the same with --stack docker (stack and fleet as containers)',
    async () => {
      const run = await validate(['--stack', 'docker', '--scenario', 'smoke', '--phase', '1']);
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
      expect(report(run).verdict).toBe('pass');
    },
  );
});
