import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildK6OperatorManifests, type K6OperatorManifestOptions } from './manifests.ts';
import { nextSteps } from './next-steps.ts';
import { MANIFEST_FILES, writeK6OperatorManifests } from './write-manifests.ts';

const OPTIONS: K6OperatorManifestOptions = {
  scenario: 'load',
  parallelism: 3,
  baseUrl: 'http://orchestrator.phoenix.svc:8080',
  runId: '20261130T120000-abcdef',
  // Lines a YAML writer could mangle: trailing spaces, quotes, a `#`, a very long line.
  bundle: `var a = "x # not a comment";  \nexport const options = { s: '${'y'.repeat(300)}' };\nexport default function () {}\n`,
  image: 'grafana/k6:1.8.1',
  env: { RATE: '90' },
  secretEnv: { AUTH_TOKEN: { secret: 'phoenix-auth', key: 'token' } },
  resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
  results: { size: '2Gi' },
};

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'phx-k6op-'));
}

function notes(manifests: ReturnType<typeof buildK6OperatorManifests>, outDir: string): string {
  return nextSteps({
    manifests,
    scenario: 'load',
    outDir,
    target: 'staging.config.ts',
    waitTimeoutS: 660,
    secrets: [{ env: 'AUTH_TOKEN', secret: 'phoenix-auth', key: 'token' }],
    storageClass: undefined,
  });
}

describe('writeK6OperatorManifests', () => {
  it('writes YAML that reads back as the manifests, in apply order, with the collector apart', () => {
    const dir = join(tempDir(), 'k6op');
    const manifests = buildK6OperatorManifests(OPTIONS);
    writeK6OperatorManifests(dir, manifests, notes(manifests, dir));
    expect(readdirSync(dir).sort()).toEqual([
      '01-script-configmap.yaml',
      '02-results-pvc.yaml',
      '03-testrun.yaml',
      'NEXT-STEPS.md',
      'collect',
    ]);
    const read = (file: string) => parse(readFileSync(join(dir, file), 'utf8')) as unknown;
    expect(read(MANIFEST_FILES.configMap)).toEqual(manifests.configMap);
    expect(read(MANIFEST_FILES.resultsClaim)).toEqual(manifests.resultsClaim);
    expect(read(MANIFEST_FILES.testRun)).toEqual(manifests.testRun);
    expect(read(MANIFEST_FILES.collector)).toEqual(manifests.collector);
  });

  it('writes nothing when a manifest is invalid', () => {
    const dir = join(tempDir(), 'k6op');
    const manifests = buildK6OperatorManifests(OPTIONS);
    manifests.testRun.spec.parallelism = 0;
    expect(() => writeK6OperatorManifests(dir, manifests, '')).toThrow(
      'spec.parallelism: must be at least 1 (one k6 runner pod each)',
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses an output directory it cannot create or write', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    const manifests = buildK6OperatorManifests(OPTIONS);
    expect(() => writeK6OperatorManifests(join(file, 'out'), manifests, '')).toThrow(
      new RegExp(`^the output directory ${join(file, 'out')} is not writable: ENOTDIR`),
    );
  });

  it('refuses a directory holding other manifests, which kubectl would apply too', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'old-testrun.yaml'), 'kind: TestRun\n');
    mkdirSync(join(dir, 'collect'));
    writeFileSync(join(dir, 'collect', 'old.json'), '{}');
    const manifests = buildK6OperatorManifests(OPTIONS);
    expect(() => writeK6OperatorManifests(dir, manifests, '')).toThrow(
      `${dir} already holds other manifests (old-testrun.yaml, collect/old.json)`,
    );
  });
});

describe('nextSteps', () => {
  it('says how to apply, wait, collect each runner as runner-<n>.json.gz, merge, threshold and validate', () => {
    const manifests = buildK6OperatorManifests({ ...OPTIONS, namespace: 'load-tests' });
    const text = notes(manifests, 'k6op/');
    const name = manifests.name;
    expect(text).toContain(
      'kubectl -n load-tests create secret generic phoenix-auth --from-literal=token=… # AUTH_TOKEN',
    );
    expect(text).toContain('kubectl -n load-tests apply -f k6op/\n');
    expect(text).toContain(
      `kubectl -n load-tests wait testrun/${name} --for=jsonpath='{.status.stage}'=finished --timeout=660s`,
    );
    expect(text).toContain('kubectl -n load-tests apply -f k6op/collect/');
    for (const n of [1, 2, 3]) {
      expect(text).toContain(
        `kubectl -n load-tests cp ${name}-collect:/results/${name}-${n}.json.gz runner-${n}.json.gz`,
      );
    }
    expect(text).toContain(`| 2 | ${name}-2 | 2 | 1/3:2/3 | /results/${name}-2.json.gz | runner-2.json.gz |`);
    expect(text).toContain('--execution-segment-sequence=0,1/3,2/3,1');
    expect(text).toContain('phx-harness ledger merge runner-*.json.gz --out ledger.jsonl');
    expect(text).toContain('phx-harness thresholds --ledger ledger.jsonl --scenario load');
    expect(text).toContain(
      'npm run validate -- --stack external --target staging.config.ts --ledger ledger.jsonl',
    );
  });
});
