/**
 * NEXT-STEPS.md for a manifests directory: apply, wait, collect each runner's raw output, merge
 * the ledgers, evaluate the thresholds, validate. Pure text from the manifests, so a test reads it.
 */
import type { K6OperatorManifests } from './manifests.ts';

export const NEXT_STEPS_FILE = 'NEXT-STEPS.md';
/** The subdirectory with the collector pod: applied after the run, not with the rest. */
export const COLLECT_DIR = 'collect';

export interface NextStepsOptions {
  manifests: K6OperatorManifests;
  scenario: string;
  /** The directory as the user typed it (commands are written relative to where they ran this). */
  outDir: string;
  /** The --target config file, for the validate step. */
  target: string;
  /** How long `kubectl wait` waits for the TestRun to finish, in seconds. */
  waitTimeoutS: number;
  /** The Secrets the runners read, with their keys, so the user creates them first. */
  secrets: readonly { env: string; secret: string; key: string }[];
  storageClass: string | undefined;
}

export function nextSteps(options: NextStepsOptions): string {
  const { manifests, outDir } = options;
  const namespace = manifests.testRun.metadata.namespace;
  const kubectl = namespace === undefined ? 'kubectl' : `kubectl -n ${namespace}`;
  const collector = manifests.collector.metadata.name;
  const n = manifests.runners.length;
  const dir = outDir.replace(/\/+$/, '');
  const copies = manifests.runners.flatMap((r) => [
    `${kubectl} cp ${collector}:${r.rawOutput} ${r.collectedAs}`,
    `${kubectl} cp ${collector}:${r.summary} runner-${r.index}.summary.json`,
  ]);
  const table = manifests.runners.map(
    (r) =>
      `| ${r.index} | ${r.job} | ${r.instanceId} | ${r.segment ?? '(whole test)'} | ${r.rawOutput} | ${r.collectedAs} |`,
  );
  const secretLines = options.secrets.map(
    (s) => `${kubectl} create secret generic ${s.secret} --from-literal=${s.key}=… # ${s.env}`,
  );
  return [
    `# ${options.scenario} on k6-operator: ${n} runner${n === 1 ? '' : 's'} (TestRun ${manifests.name})`,
    '',
    'Written by `phx-harness k6-operator`. Every object carries the label',
    `\`phoenix-harness/run-id=${manifests.testRun.metadata.labels?.['phoenix-harness/run-id'] ?? ''}\`.`,
    '',
    '## 0. Before',
    '',
    '- k6-operator is installed (the `testruns.k6.io` CRD exists: `kubectl get crd testruns.k6.io`).',
    `- The results claim \`${manifests.resultsClaim.metadata.name}\` needs a StorageClass offering`,
    `  ReadWriteMany (${options.storageClass === undefined ? 'the cluster default is used: pass --storage-class if it is ReadWriteOnce' : `\`${options.storageClass}\``}): every runner pod mounts it.`,
    ...(secretLines.length === 0
      ? []
      : [
          '- Create the Secrets the runners read (values never appear in these files):',
          '',
          '```sh',
          ...secretLines,
          '```',
        ]),
    '',
    '## 1. Apply and wait',
    '',
    '```sh',
    `${kubectl} apply -f ${dir}/`,
    `${kubectl} wait testrun/${manifests.name} --for=jsonpath='{.status.stage}'=finished --timeout=${options.waitTimeoutS}s`,
    '```',
    '',
    'The stage goes initialization → initialized → created → started → finished (or `error`:',
    `read \`${kubectl} logs job/${manifests.name}-initializer\` and \`${kubectl} logs job/${manifests.name}-1\`).`,
    '',
    '## 2. Collect each runner’s raw k6 output',
    '',
    '```sh',
    `${kubectl} apply -f ${dir}/${COLLECT_DIR}/`,
    `${kubectl} wait pod/${collector} --for=condition=Ready --timeout=300s`,
    ...copies,
    '```',
    '',
    '| runner | Job | `instance_id` tag | `--execution-segment` | on the volume | collected as |',
    '| --- | --- | --- | --- | --- | --- |',
    ...table,
    '',
    ...(n > 1
      ? [`Every runner gets \`--execution-segment-sequence=${manifests.runners[0]?.sequence ?? ''}\`.`, '']
      : []),
    'k6-operator tags every sample of runner i with `instance_id=i` (and `testrun_name`): the raw',
    'output names its own runner, whatever the file is called.',
    '',
    '## 3. One ledger, the thresholds, the checks',
    '',
    '```sh',
    'phx-harness ledger merge runner-*.json.gz --out ledger.jsonl',
    `phx-harness thresholds --ledger ledger.jsonl --scenario ${options.scenario}`,
    `npm run validate -- --stack external --target ${options.target} --ledger ledger.jsonl`,
    '```',
    '',
    '## 4. Clean up',
    '',
    '```sh',
    `${kubectl} delete -f ${dir}/${COLLECT_DIR}/ -f ${dir}/`,
    '```',
    '',
  ].join('\n');
}
