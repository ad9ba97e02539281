import { describe, expect, it } from 'vitest';
import { equalSegments, parseExecutionSegment } from '../engine/segment.ts';
import {
  buildK6OperatorManifests,
  operatorSegmentFlags,
  RESULTS_MOUNT,
  runnerExpectations,
  testRunName,
  type K6OperatorManifestOptions,
} from './manifests.ts';

const OPTIONS: K6OperatorManifestOptions = {
  scenario: 'load',
  parallelism: 8,
  baseUrl: 'http://orchestrator.phoenix.svc:8080',
  runId: '20261130T120000-abcdef',
  bundle: 'export const options = {};\nexport default function () {}\n',
  image: 'grafana/k6:1.8.1',
  namespace: 'load-tests',
  env: { RATE: '400', DURATION: '5m', VUS: '40' },
  secretEnv: { AUTH_TOKEN: { secret: 'phoenix-auth', key: 'token' } },
  resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
  results: { size: '2Gi', storageClass: 'nfs' },
};

describe('buildK6OperatorManifests', () => {
  const built = buildK6OperatorManifests(OPTIONS);
  const name = 'phx-load-20261130t120000-abcdef';

  it('writes a TestRun with the parallelism, the bundled script and per-runner raw output', () => {
    expect(built.name).toBe(name);
    expect(built.testRun).toMatchObject({
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: { name, namespace: 'load-tests', labels: { 'phoenix-harness/run-id': OPTIONS.runId } },
      spec: {
        parallelism: 8,
        script: { configMap: { name: `${name}-script`, file: 'load.js' } },
        arguments: '--out json=/results/$(PHX_RUNNER).json.gz --no-usage-report',
      },
    });
    expect(built.testRun.spec.separate).toBeUndefined();
    expect(built.configMap.data).toEqual({ 'load.js': OPTIONS.bundle });
  });

  it("sets the runner's env: its Job name first, BASE_URL, RUN_ID, SUMMARY_PATH, then the scenario's variables", () => {
    const env = built.testRun.spec.runner?.env ?? [];
    expect(env.map((e) => e.name)).toEqual([
      'PHX_RUNNER',
      'BASE_URL',
      'RUN_ID',
      'SUMMARY_PATH',
      'DURATION',
      'RATE',
      'VUS',
      'AUTH_TOKEN',
    ]);
    expect(env[0]).toEqual({
      name: 'PHX_RUNNER',
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['job-name']" } },
    });
    expect(env).toContainEqual({ name: 'BASE_URL', value: OPTIONS.baseUrl });
    expect(env).toContainEqual({ name: 'RUN_ID', value: OPTIONS.runId });
    expect(env).toContainEqual({ name: 'SUMMARY_PATH', value: '/results/$(PHX_RUNNER).summary.json' });
    expect(env).toContainEqual({ name: 'RATE', value: '400' });
  });

  it('reads a secret from its Secret and never writes its value', () => {
    const env = built.testRun.spec.runner?.env ?? [];
    expect(env.find((e) => e.name === 'AUTH_TOKEN')).toEqual({
      name: 'AUTH_TOKEN',
      valueFrom: { secretKeyRef: { name: 'phoenix-auth', key: 'token' } },
    });
    expect(JSON.stringify(built)).not.toMatch(/"value":"[^"]*token/i);
  });

  it('gives the runners their resources, the k6 image and the results claim at /results', () => {
    expect(built.testRun.spec.runner).toMatchObject({
      image: 'grafana/k6:1.8.1',
      resources: OPTIONS.resources,
      securityContext: { fsGroup: 12345 },
      volumes: [{ name: 'phx-results', persistentVolumeClaim: { claimName: `${name}-results` } }],
      volumeMounts: [{ name: 'phx-results', mountPath: RESULTS_MOUNT }],
    });
    expect(built.resultsClaim.spec).toEqual({
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: '2Gi' } },
      storageClassName: 'nfs',
    });
    expect(built.collector.spec.volumes).toEqual([
      { name: 'phx-results', persistentVolumeClaim: { claimName: `${name}-results`, readOnly: true } },
    ]);
  });

  it('asks for separate nodes only when told', () => {
    expect(buildK6OperatorManifests({ ...OPTIONS, separate: true }).testRun.spec.separate).toBe(true);
  });
});

describe('runner expectations', () => {
  it("lists each runner's Job, instance_id tag, segment flags and output, as k6-operator starts them", () => {
    const runners = runnerExpectations('phx-load-x', 4);
    expect(runners.map((r) => [r.index, r.job, r.instanceId, r.segment])).toEqual([
      [1, 'phx-load-x-1', '1', '0:1/4'],
      [2, 'phx-load-x-2', '2', '1/4:2/4'],
      [3, 'phx-load-x-3', '3', '2/4:3/4'],
      [4, 'phx-load-x-4', '4', '3/4:1'],
    ]);
    expect(new Set(runners.map((r) => r.sequence))).toEqual(new Set(['0,1/4,2/4,3/4,1']));
    expect(runners[2]).toMatchObject({
      rawOutput: '/results/phx-load-x-3.json.gz',
      summary: '/results/phx-load-x-3.summary.json',
      collectedAs: 'runner-3.json.gz',
    });
  });

  it('gives a single runner no segment flags (the operator passes none)', () => {
    expect(operatorSegmentFlags(1, 1)).toBeUndefined();
    expect(runnerExpectations('phx-smoke-x', 1)[0]).toMatchObject({ segment: undefined, instanceId: '1' });
  });

  it("splits the test exactly as the in-process engine's equal segments do", () => {
    for (const n of [2, 3, 8]) {
      const ours = runnerExpectations('x', n).map((r) => parseExecutionSegment(r.segment ?? ''));
      expect(ours).toEqual(equalSegments(n).map((s) => parseExecutionSegment(s)));
    }
  });
});

describe('testRunName', () => {
  it('lower-cases the run id and keeps `<name>-service-<N>` within a DNS label', () => {
    expect(testRunName('load', '20261130T120000-abcdef', 8)).toBe('phx-load-20261130t120000-abcdef');
    const long = testRunName('soak', `nightly_${'x'.repeat(80)}`, 1000);
    expect(`${long}-service-1000`.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(testRunName('soak', `nightly_${'x'.repeat(80)}`, 1000)).toBe(long);
    expect(testRunName('soak', `nightly_${'y'.repeat(80)}`, 1000)).not.toBe(long);
  });
});
