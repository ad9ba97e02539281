import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  parseParallelism,
  RESULTS_SIZE_DEFAULT,
  RUNNER_RESOURCE_DEFAULTS,
  runK6OperatorCommand,
  type K6OperatorCommandOptions,
} from './k6-operator-command.ts';
import { buildProgram } from './main.ts';

const CLI = resolve(import.meta.dirname, 'main.ts');
const SPAWN_TIMEOUT_MS = 120_000;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'phx-k6op-cli-'));
}

function targetConfig(dir: string, external: Record<string, string>): string {
  const file = join(dir, 'staging.config.ts');
  writeFileSync(file, `export default { stack: { external: ${JSON.stringify(external)} } };\n`);
  return file;
}

function options(overrides: Partial<K6OperatorCommandOptions>): K6OperatorCommandOptions {
  return {
    scenario: 'load',
    parallelism: 4,
    target: 'staging.config.ts',
    out: 'k6op',
    env: [],
    secretEnv: [],
    image: 'grafana/k6:1.8.1',
    ...RUNNER_RESOURCE_DEFAULTS,
    resultsSize: RESULTS_SIZE_DEFAULT,
    ...overrides,
  };
}

function runCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, 'k6-operator', ...args], {
    encoding: 'utf8',
    timeout: SPAWN_TIMEOUT_MS,
  });
}

describe('phx-harness k6-operator', () => {
  it("writes the manifests with the target's orchestrator as BASE_URL and the flags' resources", async () => {
    const dir = tempDir();
    const target = targetConfig(dir, { orchestrator: 'http://orchestrator.phoenix.svc:8080/' });
    const out = join(dir, 'k6op');
    const lines: string[] = [];
    const { manifests } = await runK6OperatorCommand(
      options({
        target,
        out,
        runId: 'nightly-7',
        env: ['RATE=120'],
        secretEnv: ['AUTH_TOKEN=phoenix-auth:token'],
        cpuLimit: '3',
      }),
      (line) => lines.push(line),
    );
    expect(manifests.name).toBe('phx-load-nightly-7');
    const testRun = parse(readFileSync(join(out, '03-testrun.yaml'), 'utf8')) as typeof manifests.testRun;
    expect(testRun.spec.parallelism).toBe(4);
    expect(testRun.spec.runner?.env).toContainEqual({
      name: 'BASE_URL',
      value: 'http://orchestrator.phoenix.svc:8080',
    });
    expect(testRun.spec.runner?.env).toContainEqual({ name: 'RUN_ID', value: 'nightly-7' });
    expect(testRun.spec.runner?.resources).toEqual({
      requests: { cpu: '1', memory: '1Gi' },
      limits: { cpu: '3', memory: '2Gi' },
    });
    const configMap = parse(
      readFileSync(join(out, '01-script-configmap.yaml'), 'utf8'),
    ) as typeof manifests.configMap;
    expect(configMap.data['load.js']).toContain('from "k6/http"');
    expect(lines[0]).toBe(
      'TestRun phx-load-nightly-7: load, 4 runner(s), BASE_URL http://orchestrator.phoenix.svc:8080',
    );
  });

  it('--base-url stands in for a target config that names no orchestrator', async () => {
    const dir = tempDir();
    const target = targetConfig(dir, { prometheus: 'http://prometheus:9090' });
    const { manifests } = await runK6OperatorCommand(
      options({ target, out: join(dir, 'k6op'), baseUrl: 'http://10.0.0.1:8080' }),
      () => undefined,
    );
    expect(manifests.testRun.spec.runner?.env).toContainEqual({
      name: 'BASE_URL',
      value: 'http://10.0.0.1:8080',
    });
  });

  it('refuses a bad resource flag with the field it lands in', async () => {
    const dir = tempDir();
    const target = targetConfig(dir, { orchestrator: 'http://orchestrator:8080' });
    await expect(
      runK6OperatorCommand(
        options({ target, out: join(dir, 'k6op'), memoryRequest: '1GB' }),
        () => undefined,
      ),
    ).rejects.toThrow('spec.runner.resources.requests.memory: must be a Kubernetes quantity');
  });

  it.each([
    ['0', 'must be a whole number of runners from 1 to 10000'],
    ['1.5', 'must be a whole number of runners from 1 to 10000'],
    ['four', 'must be a whole number of runners from 1 to 10000'],
  ])('--parallelism %s is refused', (value, message) => {
    expect(() => parseParallelism(value)).toThrow(message);
  });

  it('refuses an unknown scenario, naming the ones there are', async () => {
    const program = buildProgram().configureOutput({ writeErr: () => undefined });
    const args = ['--parallelism', '2', '--target', 'x.ts', '--out', 'k6op'];
    await expect(
      program.parseAsync(['node', 'phx-harness', 'k6-operator', '--scenario', 'breakpoint', ...args]),
    ).rejects.toMatchObject({
      code: 'commander.invalidArgument',
      message:
        "error: option '--scenario <name>' argument 'breakpoint' is invalid. Allowed choices are smoke, load, stress, spike, soak.",
    });
  });

  // The CLI in its own process, as a person runs it: slow on a loaded machine, hence the timeouts.
  it(
    'exits 2 on --parallelism 0',
    () => {
      const dir = tempDir();
      const target = targetConfig(dir, { orchestrator: 'http://orchestrator:8080' });
      const run = runCli([
        '--scenario',
        'load',
        '--parallelism',
        '0',
        '--target',
        target,
        '--out',
        join(dir, 'k6op'),
      ]);
      expect(run.stderr).toContain(
        "option '--parallelism <n>' argument '0' is invalid. must be a whole number of runners from 1 to 10000",
      );
      expect(run.status).toBe(2);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'exits 2 naming the config when it has no orchestrator URL',
    () => {
      const dir = tempDir();
      const target = targetConfig(dir, { prometheus: 'http://prometheus:9090' });
      const run = runCli([
        '--scenario',
        'load',
        '--parallelism',
        '2',
        '--target',
        target,
        '--out',
        join(dir, 'k6op'),
      ]);
      expect(run.stderr).toContain(`${target} names no orchestrator URL for the runners' BASE_URL`);
      expect(run.stderr).toContain('add stack.external.orchestrator');
      expect(run.status).toBe(2);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'exits 2 naming the output directory when it cannot be written',
    () => {
      const dir = tempDir();
      const target = targetConfig(dir, { orchestrator: 'http://orchestrator:8080' });
      const file = join(dir, 'a-file');
      writeFileSync(file, 'not a directory');
      const run = runCli([
        '--scenario',
        'load',
        '--parallelism',
        '2',
        '--target',
        target,
        '--out',
        join(file, 'k6op'),
      ]);
      expect(run.stderr).toContain(`the output directory ${join(file, 'k6op')} is not writable: ENOTDIR`);
      expect(run.status).toBe(2);
    },
    SPAWN_TIMEOUT_MS,
  );
});
