import { describe, expect, it } from 'vitest';
import { quantityValue, validateManifest, type TestRunManifest } from './crd-schema.ts';
import { buildK6OperatorManifests, type K6OperatorManifestOptions } from './manifests.ts';

const OPTIONS: K6OperatorManifestOptions = {
  scenario: 'load',
  parallelism: 4,
  baseUrl: 'http://orchestrator.phoenix.svc:8080',
  runId: '20261130T120000-abcdef',
  bundle: 'export const options = {};\nexport default function () {}\n',
  image: 'grafana/k6:1.8.1',
  env: { RATE: '50' },
  secretEnv: { AUTH_TOKEN: { secret: 'phoenix-auth', key: 'token' } },
  resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
  results: { size: '2Gi' },
};

/** A fresh, valid TestRun as plain data, to break one field at a time. */
function testRun(): TestRunManifest & { spec: { runner: { env: unknown[] } } } {
  return structuredClone(buildK6OperatorManifests(OPTIONS).testRun) as TestRunManifest & {
    spec: { runner: { env: unknown[] } };
  };
}

function refusal(manifest: unknown): string {
  try {
    validateManifest(manifest);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the manifest was accepted');
}

describe('validateManifest', () => {
  it('accepts every manifest the builder writes', () => {
    const built = buildK6OperatorManifests(OPTIONS);
    for (const manifest of [built.configMap, built.resultsClaim, built.testRun, built.collector]) {
      expect(validateManifest(manifest)).toEqual(manifest);
    }
  });

  it('refuses parallelism 0 (the operator would quietly default it to 1)', () => {
    const manifest = testRun();
    manifest.spec.parallelism = 0;
    expect(refusal(manifest)).toBe(
      `invalid TestRun ${manifest.metadata.name}:\n  - spec.parallelism: must be at least 1 (one k6 runner pod each)`,
    );
  });

  it('refuses a fractional parallelism', () => {
    const manifest = testRun();
    manifest.spec.parallelism = 2.5;
    expect(refusal(manifest)).toContain('spec.parallelism: must be a whole number');
  });

  it('refuses a field the CRD does not declare', () => {
    const manifest = testRun();
    Object.assign(manifest.spec, { replicas: 3 });
    expect(refusal(manifest)).toContain('  - spec: unknown field(s) replicas');
  });

  it('refuses a runner env entry without a name', () => {
    const manifest = testRun();
    manifest.spec.runner.env.push({ value: '50' });
    const index = manifest.spec.runner.env.length - 1;
    expect(refusal(manifest)).toContain(`  - spec.runner.env.${index}.name: `);
  });

  it('refuses an env entry with both a value and a secret reference', () => {
    const manifest = testRun();
    manifest.spec.runner.env.push({
      name: 'AUTH_TOKEN',
      value: 'inline',
      valueFrom: { secretKeyRef: { name: 'phoenix-auth', key: 'token' } },
    });
    expect(refusal(manifest)).toMatch(/spec\.runner\.env\.\d+: has both value and valueFrom: give one/);
  });

  it('refuses a script that names no source, or two', () => {
    const none = testRun();
    none.spec.script = {};
    expect(refusal(none)).toContain(
      'spec.script: must name exactly one of configMap, volumeClaim, localFile',
    );
    const two = testRun();
    two.spec.script.localFile = '/test/load.js';
    expect(refusal(two)).toContain('spec.script: must name exactly one of configMap, volumeClaim, localFile');
  });

  it('refuses arguments that the operator owns or cannot split', () => {
    const segment = testRun();
    segment.spec.arguments = '--execution-segment=0:1/2 --out json=/results/x.json';
    expect(refusal(segment)).toContain(
      'spec.arguments: must not set --execution-segment: k6-operator sets it on each runner',
    );
    const quoted = testRun();
    quoted.spec.arguments = `--tag pod="a b"`;
    expect(refusal(quoted)).toContain('spec.arguments: must not quote values');
  });

  it('refuses a malformed quantity and a request above its limit', () => {
    const bad = testRun();
    bad.spec.runner.resources = { ...OPTIONS.resources, requests: { cpu: '1', memory: '1GB' } };
    expect(refusal(bad)).toContain(
      'spec.runner.resources.requests.memory: must be a Kubernetes quantity such as 500m, 2, 512Mi or 1Gi',
    );
    const above = testRun();
    above.spec.runner.resources = { ...OPTIONS.resources, requests: { cpu: '2500m', memory: '1Gi' } };
    expect(refusal(above)).toContain('spec.runner.resources.requests.cpu: 2500m is above its limit 2');
  });

  it('refuses a name that is not a DNS-1123 name, and a wrong apiVersion', () => {
    const manifest = testRun();
    manifest.metadata.name = 'Phx_Load';
    Object.assign(manifest, { apiVersion: 'k6.io/v1' });
    const message = refusal(manifest);
    expect(message).toContain('metadata.name: must be a DNS-1123 name');
    expect(message).toContain('apiVersion: ');
  });

  it('refuses a ConfigMap over 1 MiB and a kind it does not know', () => {
    const { configMap } = buildK6OperatorManifests({ ...OPTIONS, bundle: 'x'.repeat(1024 * 1024 + 1) });
    expect(refusal(configMap)).toContain('data: holds more than 1 MiB, the most a ConfigMap may');
    expect(refusal({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } })).toContain(
      'not a manifest the harness writes: kind "Service"',
    );
  });
});

describe('quantityValue', () => {
  it('reads decimal and binary suffixes', () => {
    expect(quantityValue('500m')).toBe(0.5);
    expect(quantityValue('2')).toBe(2);
    expect(quantityValue('1Gi')).toBe(2 ** 30);
    expect(quantityValue('1G')).toBe(1e9);
    expect(quantityValue('1e3')).toBe(1000);
  });
});
