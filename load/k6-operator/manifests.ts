/**
 * The manifests for one scenario run on k6-operator (pure: the caller bundles, validates and
 * writes). What k6-operator does with them (grafana/k6-operator, pkg/resources/jobs/runner.go and
 * pkg/segmentation/segmentation.go): it starts `parallelism` Jobs named `<testrun>-1` …
 * `<testrun>-N`, each running
 *   k6 run --quiet [--execution-segment=(i-1)/N:i/N --execution-segment-sequence=0,1/N,…,1]
 *          <spec.arguments> /test/<file> --address=0.0.0.0:6565 --paused
 *          --tag instance_id=<i> --tag testrun_name=<testrun>
 * (the segment flags only when N > 1; fractions unreduced, `2/4`, as the operator prints them),
 * with spec.runner's env, volumes and resources. The script comes from the ConfigMap, mounted at
 * /test. Each runner writes k6's raw JSON output to a shared ReadWriteMany claim, under its own
 * Job's name: Kubernetes expands `$(PHX_RUNNER)` in the command from the runner's env, which reads
 * the pod's `job-name` label (the downward API), so no two runners write the same file.
 */
import { createHash } from 'node:crypto';
import type { ScenarioName } from '../../scenarios/index.ts';
import type {
  ConfigMapManifest,
  PersistentVolumeClaimManifest,
  PodManifest,
  TestRunManifest,
} from './crd-schema.ts';
import { operatorSegment } from '../merge/runner-plan.ts';
import { bundleFileName } from './bundle.ts';

/** Where the results claim is mounted on each runner (and on the collector). */
export const RESULTS_MOUNT = '/results';
/** The runner's env var holding its Job's name (`<testrun>-<i>`), from the pod's `job-name` label. */
export const RUNNER_NAME_ENV = 'PHX_RUNNER';
/**
 * The group the results volume is shared with (the k6 image's own k6 group): Kubernetes makes the
 * volume group-writable for it and adds it to the runner's groups, whatever user the image runs as.
 */
export const RESULTS_FS_GROUP = 12_345;
/** How long the collector pod stays up for `kubectl cp` before Kubernetes stops it. */
export const COLLECTOR_DEADLINE_S = 3_600;
const VOLUME_NAME = 'phx-results';
/** Service names `<testrun>-service-<i>` must fit a DNS label (63): room for the suffix. */
const SERVICE_SUFFIX = '-service-';
const LABEL_MAX = 63;

export interface SecretKeyRef {
  /** The Kubernetes Secret's name (in the TestRun's namespace). */
  secret: string;
  key: string;
}

export interface RunnerResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

export interface K6OperatorManifestOptions {
  scenario: ScenarioName;
  parallelism: number;
  /** The orchestrator as the runners reach it (BASE_URL). */
  baseUrl: string;
  /** Shared by every runner (RUN_ID): one run, N segments. */
  runId: string;
  /** The scenario bundle (bundleScenarioForK6). */
  bundle: string;
  /** The k6 runner image (pinned by the caller). */
  image: string;
  namespace?: string;
  /** Scenario variables (RATE, DURATION, VUS…), inlined: never secrets. */
  env?: Readonly<Record<string, string>>;
  /** Secret variables (AUTH_TOKEN…): a secretKeyRef each, never a value. */
  secretEnv?: Readonly<Record<string, SecretKeyRef>>;
  resources: RunnerResources;
  /** The results claim: size and storage class (which must offer ReadWriteMany). */
  results: { size: string; storageClass?: string };
  /** Put each runner on a different node (k6-operator's podAntiAffinity shortcut). */
  separate?: boolean;
}

/** What one runner does and leaves, as k6-operator starts it. */
export interface RunnerExpectation {
  /** 1 … N: k6-operator's runner index. */
  index: number;
  /** The Job (and pod hostname): `<testrun>-<index>`. */
  job: string;
  /** The `instance_id` tag k6-operator puts on every sample of this runner (`--tag instance_id=<i>`). */
  instanceId: string;
  /** `--execution-segment`, exactly as k6-operator passes it; undefined when N = 1 (no flag). */
  segment: string | undefined;
  /** `--execution-segment-sequence`; undefined when N = 1. */
  sequence: string | undefined;
  /** k6's raw JSON output (gzip) on the results volume. */
  rawOutput: string;
  /** The scenario's summary.json (SUMMARY_PATH) on the results volume. */
  summary: string;
  /** The name to give the raw output once collected: the ledger merge reads `runner-*.json.gz`. */
  collectedAs: string;
}

export interface K6OperatorManifests {
  /** The TestRun's name; the other objects' names derive from it. */
  name: string;
  configMap: ConfigMapManifest;
  resultsClaim: PersistentVolumeClaimManifest;
  testRun: TestRunManifest;
  /** Mounts the results claim after the run, for `kubectl cp`. */
  collector: PodManifest;
  runners: RunnerExpectation[];
}

/**
 * The TestRun's name: `phx-<scenario>-<run id>` in lower case, shortened (with a hash of the whole,
 * so it stays unique) until `<name>-service-<N>` fits a DNS label.
 */
export function testRunName(scenario: string, runId: string, parallelism: number): string {
  const full = `phx-${scenario}-${runId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+$/, '');
  const room = LABEL_MAX - SERVICE_SUFFIX.length - String(parallelism).length;
  if (full.length <= room) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 6);
  return `${full.slice(0, room - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/**
 * The segment flags k6-operator gives runner `index` of `total` (pkg/segmentation: `(i-1)/N:i/N`,
 * `0` and `1` at the ends, fractions unreduced, in the merge's own words); undefined for a single
 * runner, which gets none.
 */
export function operatorSegmentFlags(
  index: number,
  total: number,
): { segment: string; sequence: string } | undefined {
  if (total <= 1) return undefined;
  const ends = Array.from({ length: total }, (_, i) => operatorSegment(i + 1, total).split(':')[1]);
  return { segment: operatorSegment(index, total), sequence: ['0', ...ends].join(',') };
}

/** What each of the N runners does and where its output lands. */
export function runnerExpectations(name: string, parallelism: number): RunnerExpectation[] {
  return Array.from({ length: parallelism }, (_, i) => {
    const index = i + 1;
    const job = `${name}-${index}`;
    const segment = operatorSegmentFlags(index, parallelism);
    return {
      index,
      job,
      instanceId: String(index),
      segment: segment?.segment,
      sequence: segment?.sequence,
      rawOutput: `${RESULTS_MOUNT}/${job}.json.gz`,
      summary: `${RESULTS_MOUNT}/${job}.summary.json`,
      collectedAs: `runner-${index}.json.gz`,
    };
  });
}

/** The k6 flags in spec.arguments: raw JSON output per runner, no usage report. No quotes (k6-operator#211). */
export function runnerArguments(): string {
  return `--out json=${RESULTS_MOUNT}/$(${RUNNER_NAME_ENV}).json.gz --no-usage-report`;
}

function runnerEnv(
  options: K6OperatorManifestOptions,
): NonNullable<NonNullable<TestRunManifest['spec']['runner']>['env']> {
  const plain = Object.entries(options.env ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const secret = Object.entries(options.secretEnv ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return [
    // First: the variables below refer to it ($(…) sees only the variables defined before it).
    { name: RUNNER_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.labels['job-name']" } } },
    { name: 'BASE_URL', value: options.baseUrl },
    { name: 'RUN_ID', value: options.runId },
    { name: 'SUMMARY_PATH', value: `${RESULTS_MOUNT}/$(${RUNNER_NAME_ENV}).summary.json` },
    ...plain.map(([name, value]) => ({ name, value })),
    ...secret.map(([name, ref]) => ({
      name,
      valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } },
    })),
  ];
}

/** Builds the ConfigMap, the results claim, the TestRun and the collector pod (not yet validated). */
export function buildK6OperatorManifests(options: K6OperatorManifestOptions): K6OperatorManifests {
  const name = testRunName(options.scenario, options.runId, options.parallelism);
  const labels = {
    'app.kubernetes.io/part-of': 'phoenix-harness',
    'phoenix-harness/scenario': options.scenario,
    'phoenix-harness/run-id': options.runId,
  };
  const metadata = (objectName: string) => ({
    name: objectName,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    labels: { ...labels },
  });
  const file = bundleFileName(options.scenario);
  const configMap: ConfigMapManifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(`${name}-script`),
    data: { [file]: options.bundle },
  };
  const resultsClaim: PersistentVolumeClaimManifest = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(`${name}-results`),
    spec: {
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: options.results.size } },
      ...(options.results.storageClass === undefined
        ? {}
        : { storageClassName: options.results.storageClass }),
    },
  };
  const resultsVolume = {
    name: VOLUME_NAME,
    persistentVolumeClaim: { claimName: resultsClaim.metadata.name },
  };
  const testRun: TestRunManifest = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: metadata(name),
    spec: {
      parallelism: options.parallelism,
      script: { configMap: { name: configMap.metadata.name, file } },
      arguments: runnerArguments(),
      ...(options.separate ? { separate: true } : {}),
      runner: {
        image: options.image,
        metadata: { labels: { ...labels } },
        env: runnerEnv(options),
        resources: {
          requests: { ...options.resources.requests },
          limits: { ...options.resources.limits },
        },
        securityContext: { fsGroup: RESULTS_FS_GROUP },
        volumes: [resultsVolume],
        volumeMounts: [{ name: VOLUME_NAME, mountPath: RESULTS_MOUNT }],
      },
    },
  };
  const collector: PodManifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(`${name}-collect`),
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: COLLECTOR_DEADLINE_S,
      securityContext: { fsGroup: RESULTS_FS_GROUP },
      containers: [
        {
          // The k6 image is already on the nodes and has sh and tar, which `kubectl cp` needs.
          name: 'collect',
          image: options.image,
          command: ['sh', '-c', `sleep ${COLLECTOR_DEADLINE_S}`],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
          volumeMounts: [{ name: VOLUME_NAME, mountPath: RESULTS_MOUNT, readOnly: true }],
        },
      ],
      volumes: [
        {
          ...resultsVolume,
          persistentVolumeClaim: { ...resultsVolume.persistentVolumeClaim, readOnly: true },
        },
      ],
    },
  };
  return {
    name,
    configMap,
    resultsClaim,
    testRun,
    collector,
    runners: runnerExpectations(name, options.parallelism),
  };
}
