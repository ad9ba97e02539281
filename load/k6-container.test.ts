import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  extractTarFiles,
  k6Container,
  k6ContainerDefinition,
  k6VersionFromImage,
  type K6ContainerTarget,
} from './k6-container.ts';
import { finishK6Run } from './k6-output.ts';
import { chooseEngine, segmentArguments } from './run-scenario.ts';

const SCENARIOS_DIR = fileURLToPath(new URL('../scenarios', import.meta.url));
const TARGET: K6ContainerTarget = {
  image: 'grafana/k6:1.8.1',
  network: 'phoenix-run-abc',
  baseUrl: 'http://orchestrator-service:8080',
  labels: { 'phoenix.run': 'abc' },
};

function definition(overrides: Partial<Parameters<typeof k6ContainerDefinition>[0]> = {}) {
  return k6ContainerDefinition({
    target: TARGET,
    scenario: 'load',
    runId: 'run-1',
    env: { RATE: '40', AUTH_TOKEN: 's3cret' },
    segment: segmentArguments('1/4:2/4', undefined),
    scenariosDir: SCENARIOS_DIR,
    ...overrides,
  });
}

describe('the k6 container the harness would start (grafana/k6 on the docker runner)', () => {
  it('runs the pinned image on the run network against the fleet alias, with segment flags and secrets in the environment only', () => {
    const d = definition();
    expect(d.image).toBe('grafana/k6:1.8.1');
    expect(d.network).toBe('phoenix-run-abc');
    expect(d.labels).toEqual({ 'phoenix.run': 'abc' });
    expect(d.command).toEqual([
      'run',
      '--no-usage-report',
      '--quiet',
      '--address',
      '',
      '--out',
      'json=/out/raw.json.gz',
      '--execution-segment',
      '1/4:2/4',
      '--execution-segment-sequence',
      '0,1/4,1/2,3/4,1',
      '-e',
      'RATE=40',
      '-e',
      'BASE_URL=http://orchestrator-service:8080',
      '-e',
      'RUN_ID=run-1',
      '-e',
      'SUMMARY_PATH=/out/summary.json',
      '/scenarios/load.ts',
    ]);
    expect(d.environment).toEqual({ AUTH_TOKEN: 's3cret' });
    expect(d.command.join(' ')).not.toContain('s3cret');
    expect(d.exposedPorts).toEqual([]);
    expect(d.summaryPath).toBe('/out/summary.json');
    expect(d.rawOutputPath).toBe('/out/raw.json.gz');
  });

  it('lets BASE_URL come from the target, not from the caller env', () => {
    const d = definition({ env: { BASE_URL: 'http://127.0.0.1:1' } });
    expect(d.command).toContain('BASE_URL=http://orchestrator-service:8080');
    expect(d.command).not.toContain('BASE_URL=http://127.0.0.1:1');
  });

  it('writes no raw output when the ledger is off, and runs the whole schedule without a segment', () => {
    const d = definition({ ledger: false, segment: undefined });
    expect(d.rawOutputPath).toBeUndefined();
    expect(d.command.some((a) => a.startsWith('json='))).toBe(false);
    expect(d.command).not.toContain('--execution-segment');
  });

  it('copies the scenarios read-only and creates /out writable for k6, publishing no port', async () => {
    const d = definition();
    expect(d.directories).toEqual([{ source: SCENARIOS_DIR, target: '/scenarios', mode: 0o555 }]);
    const container = k6Container(d) as unknown as {
      exposedPorts: unknown[];
      hostConfig: { PortBindings?: Record<string, unknown> };
      networkMode?: string;
      createOpts: { Cmd?: string[]; Env?: string[] };
      createArchiveToCopyToContainer(): Promise<NodeJS.ReadableStream & { finalize(): Promise<void> }>;
    };
    expect(container.exposedPorts).toEqual([]);
    expect(Object.keys(container.hostConfig.PortBindings ?? {})).toEqual([]);
    expect(container.networkMode).toBe('phoenix-run-abc');
    expect(container.createOpts.Cmd).toEqual(d.command);

    // The tar testcontainers would PUT into the container at /, listed by tar itself.
    const dir = mkdtempSync(join(tmpdir(), 'phx-k6-archive-'));
    const archivePath = join(dir, 'copy.tar');
    const archive = await container.createArchiveToCopyToContainer();
    const written = new Promise<void>((done, fail) =>
      archive
        .pipe(createWriteStream(archivePath))
        .once('finish', () => done())
        .once('error', fail),
    );
    void archive.finalize();
    await written;
    const listing = execFileSync('tar', ['-tvf', archivePath], { encoding: 'utf8' }).trim().split('\n');
    const entry = (name: string): string | undefined => listing.find((l) => l.endsWith(` ${name}`));
    expect(entry('out/')).toMatch(/^drwxrwxrwx /);
    for (const file of ['scenarios/load.ts', 'scenarios/k6/scenario.ts', 'scenarios/lib/config.ts'])
      expect(entry(file), file).toMatch(/^-r-xr-xr-x /);
    expect(entry('scenarios/lib/')).toMatch(/^dr-xr-xr-x /);
  });

  it('names the k6 version after the image tag', () => {
    expect(k6VersionFromImage('grafana/k6:1.8.1')).toBe('k6 v1.8.1 (grafana/k6:1.8.1)');
    expect(k6VersionFromImage('registry:5000/grafana/k6:v1.8.1@sha256:ab')).toBe(
      'k6 v1.8.1 (registry:5000/grafana/k6:v1.8.1@sha256:ab)',
    );
    expect(k6VersionFromImage('grafana/k6')).toBe('k6 (grafana/k6)');
  });
});

describe('choosing the load engine, with the official k6 image on offer', () => {
  const container: K6ContainerTarget = { image: 'grafana/k6:1.8.1', network: 'n', baseUrl: 'http://o:8080' };
  it.each([
    ['auto', '/usr/bin/k6', container, { engine: 'k6', k6Path: '/usr/bin/k6' }],
    ['auto', undefined, container, { engine: 'k6', k6Path: undefined, k6Container: container }],
    ['auto', undefined, undefined, { engine: 'node', k6Path: undefined }],
    ['k6', '/usr/bin/k6', container, { engine: 'k6', k6Path: '/usr/bin/k6' }],
    ['k6', undefined, container, { engine: 'k6', k6Path: undefined, k6Container: container }],
    ['k6', undefined, undefined, { engine: 'k6', k6Path: 'k6' }],
    ['node', '/usr/bin/k6', container, { engine: 'node', k6Path: undefined }],
  ] as const)('%s with binary %s and container %o → %o', (choice, k6Path, k6Container, expected) => {
    expect(chooseEngine(choice, k6Path, k6Container)).toStrictEqual(expected);
  });
});

/** A tar of `files` made by GNU tar in PAX format (as Docker's archive API answers), under out/. */
function tarOf(files: Record<string, Buffer | string>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'phx-k6-tar-'));
  mkdirSync(join(dir, 'out'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, 'out', name), content);
  return execFileSync('tar', ['--format=pax', '-C', dir, '-cf', '-', 'out']);
}

describe("copying k6's output back from the container", () => {
  it('extracts only the wanted files, whatever the chunking, including long PAX names', async () => {
    const longName = `${'x'.repeat(120)}.json`;
    const big = Buffer.alloc(70_000, 7);
    const tar = tarOf({
      'summary.json': '{"a":1}',
      'raw.json.gz': big,
      [longName]: 'long',
      'other.txt': 'no',
    });
    const dir = mkdtempSync(join(tmpdir(), 'phx-k6-extract-'));
    const chunks = async function* (): AsyncGenerator<Buffer> {
      for (let i = 0; i < tar.length; i += 333) yield tar.subarray(i, i + 333);
    };
    const written = await extractTarFiles(chunks(), {
      'summary.json': join(dir, 's.json'),
      'raw.json.gz': join(dir, 'r.gz'),
      [longName]: join(dir, 'long'),
    });
    expect(written.sort()).toEqual([longName, 'raw.json.gz', 'summary.json'].sort());
    expect(readFileSync(join(dir, 's.json'), 'utf8')).toBe('{"a":1}');
    expect(readFileSync(join(dir, 'r.gz')).equals(big)).toBe(true);
    expect(readFileSync(join(dir, 'long'), 'utf8')).toBe('long');
  });

  it('fails on an archive cut short inside an entry', async () => {
    const tar = tarOf({ 'raw.json.gz': Buffer.alloc(5_000, 1) });
    const dir = mkdtempSync(join(tmpdir(), 'phx-k6-cut-'));
    await expect(
      extractTarFiles([tar.subarray(0, 2_048)], { 'raw.json.gz': join(dir, 'r.gz') }),
    ).rejects.toThrow(/archive ended inside an entry/);
  });

  it("turns the copied-back output into the same ScenarioRun as the binary's (recorded k6 output)", async () => {
    const fixture = (name: string): Buffer =>
      readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));
    const tar = tarOf({
      'summary.json': fixture('k6-smoke-summary.json'),
      'raw.json.gz': gzipSync(fixture('k6-smoke-output.jsonl')),
    });
    const runDir = mkdtempSync(join(tmpdir(), 'phx-k6-run-'));
    await extractTarFiles([tar], {
      'summary.json': join(runDir, 'summary.json'),
      'raw.json.gz': join(runDir, 'k6-raw.json.gz'),
    });
    const run = await finishK6Run({
      exit: { code: 99, signal: null },
      tail: [],
      where: 'test',
      runDir,
      summaryPath: join(runDir, 'summary.json'),
      rawOutputPath: join(runDir, 'k6-raw.json.gz'),
      keepRawOutput: false,
      k6Version: k6VersionFromImage('grafana/k6:1.8.1'),
      segment: undefined,
    });
    expect(run.engine).toBe('k6');
    expect(run.k6Version).toBe('k6 v1.8.1 (grafana/k6:1.8.1)');
    expect(run.exitCode).toBe(99);
    expect(run.ledgerPath).toBe(join(runDir, 'ledger.jsonl'));
    expect(run.requests).toBe(run.conversion?.records);
    expect(run.thresholdFailures.length).toBeGreaterThan(0);
  });

  it('turns a failed k6 (not 0 or 99) into the same HarnessError as the binary path', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'phx-k6-fail-'));
    await expect(
      finishK6Run({
        exit: { code: 108, signal: null },
        tail: ['time="…" level=error msg="the fleet is not running at http://orchestrator-service:8080"'],
        where: 'k6 in grafana/k6:1.8.1',
        runDir,
        summaryPath: join(runDir, 'summary.json'),
        rawOutputPath: undefined,
        keepRawOutput: false,
        k6Version: undefined,
        segment: undefined,
      }),
    ).rejects.toThrow(/k6 exited with 108: the scenario aborted itself \(the fleet is not running/);
  });
});
