import { relative, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { HarnessError, loadConfig, newRunId } from '../core/index.ts';
import { SCENARIO_NAMES } from '../scenarios/index.ts';
import {
  buildK6OperatorManifests,
  bundleScenarioForK6,
  COLLECT_DIR,
  nextSteps,
  scenarioVariables,
  writeK6OperatorManifests,
  type K6OperatorManifests,
  type ScenarioName,
} from '../load/index.ts';
import { USER_IMAGES } from '../stack/index.ts';

/** Runner resources unless the flags say otherwise: one k6 process, room for a few thousand VUs. */
export const RUNNER_RESOURCE_DEFAULTS = {
  cpuRequest: '1',
  memoryRequest: '1Gi',
  cpuLimit: '2',
  memoryLimit: '2Gi',
} as const;
/** The results claim's default size: k6's gzipped JSON output is about 150 bytes a request. */
export const RESULTS_SIZE_DEFAULT = '2Gi';
/** `kubectl wait` gets the scenario's duration plus this long (scheduling, image pulls, setup, summary). */
const WAIT_MARGIN_S = 600;
const MAX_PARALLELISM = 10_000;

export interface K6OperatorCommandOptions {
  scenario: ScenarioName;
  parallelism: number;
  target: string;
  out: string;
  env: string[];
  secretEnv: string[];
  baseUrl?: string;
  runId?: string;
  namespace?: string;
  image: string;
  cpuRequest: string;
  memoryRequest: string;
  cpuLimit: string;
  memoryLimit: string;
  storageClass?: string;
  resultsSize: string;
  separate?: boolean;
}

/** `--parallelism`: a whole number of runners, at least 1. */
export function parseParallelism(value: string): number {
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1 || n > MAX_PARALLELISM) {
    throw new InvalidArgumentError(`must be a whole number of runners from 1 to ${MAX_PARALLELISM}`);
  }
  return n;
}

/** The orchestrator URL the runners target: --base-url, else the target config's stack.external.orchestrator. */
async function orchestratorUrl(target: string, override: string | undefined): Promise<string> {
  const config = await loadConfig(target);
  const url = override ?? config.stack.external?.orchestrator;
  if (url === undefined) {
    throw new HarnessError(`${resolve(target)} names no orchestrator URL for the runners' BASE_URL`, {
      where: resolve(target),
      hint: "add stack.external.orchestrator (the orchestrator as the cluster's pods reach it), or pass --base-url",
    });
  }
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(url)) {
    throw new HarnessError(`--base-url ${JSON.stringify(url)}: must be an http(s) URL`, {
      hint: 'e.g. http://orchestrator.phoenix.svc:8080',
    });
  }
  return url.replace(/\/+$/, '');
}

/** Bundles the scenario, builds and validates the manifests, writes them to --out. */
export async function runK6OperatorCommand(
  options: K6OperatorCommandOptions,
  log: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<{ files: string[]; manifests: K6OperatorManifests }> {
  const variables = scenarioVariables(options.scenario, options.env, options.secretEnv);
  const baseUrl = await orchestratorUrl(options.target, options.baseUrl);
  const bundle = await bundleScenarioForK6(options.scenario);
  const manifests = buildK6OperatorManifests({
    scenario: options.scenario,
    parallelism: options.parallelism,
    baseUrl,
    runId: options.runId ?? newRunId(),
    bundle,
    image: options.image,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    env: variables.env,
    secretEnv: variables.secretEnv,
    resources: {
      requests: { cpu: options.cpuRequest, memory: options.memoryRequest },
      limits: { cpu: options.cpuLimit, memory: options.memoryLimit },
    },
    results: {
      size: options.resultsSize,
      ...(options.storageClass === undefined ? {} : { storageClass: options.storageClass }),
    },
    ...(options.separate ? { separate: true } : {}),
  });
  const text = nextSteps({
    manifests,
    scenario: options.scenario,
    outDir: options.out,
    target: options.target,
    waitTimeoutS: Math.ceil(variables.config.durationMs / 1_000) + WAIT_MARGIN_S,
    secrets: Object.entries(variables.secretEnv).map(([env, ref]) => ({ env, ...ref })),
    storageClass: options.storageClass,
  });
  const files = writeK6OperatorManifests(options.out, manifests, text);
  log(
    `TestRun ${manifests.name}: ${options.scenario}, ${options.parallelism} runner(s), BASE_URL ${baseUrl}`,
  );
  for (const file of files) {
    const shown = relative(process.cwd(), file);
    log(`  wrote ${shown.startsWith('..') ? file : shown}`);
  }
  log(`next: kubectl apply -f ${options.out} (then ${COLLECT_DIR}/ after the run): see NEXT-STEPS.md`);
  return { files, manifests };
}

/** `phx-harness k6-operator`: the manifests for a distributed run on k6-operator. */
export function registerK6OperatorCommand(program: Command): void {
  const collect = (value: string, all: string[]) => [...all, value];
  program
    .command('k6-operator')
    .description(
      "write what `kubectl apply -f <dir>/` needs to run a scenario on k6-operator with N runners: the bundled scenario (ConfigMap), a TestRun, a results volume and how to collect each runner's raw output",
    )
    .addOption(
      new Option('--scenario <name>', 'the scenario to run')
        .choices([...SCENARIO_NAMES])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--parallelism <n>', 'number of k6 runner pods (each takes one execution segment)')
        .argParser(parseParallelism)
        .makeOptionMandatory(),
    )
    .requiredOption(
      '--target <config>',
      "a config file whose stack.external.orchestrator is the orchestrator's URL as the pods reach it",
    )
    .requiredOption('--out <dir>', 'the directory to write the manifests to (created if missing)')
    .option(
      '--env <NAME=value>',
      'a scenario variable: RATE, DURATION, VUS, MAX_VUS… (repeatable)',
      collect,
      [],
    )
    .option(
      '--secret-env <NAME=secret:key>',
      'a secret variable (AUTH_TOKEN) read from a Kubernetes Secret, never written (repeatable)',
      collect,
      [],
    )
    .option('--base-url <url>', "the orchestrator's URL for the runners (overrides the target config)")
    .option('--run-id <id>', 'the run id every runner shares (default: a new one)')
    .option('--namespace <ns>', 'the namespace for every object (default: kubectl’s current one)')
    .option('--image <image>', 'the k6 runner image', USER_IMAGES.k6.image)
    .option('--cpu-request <q>', 'CPU each runner requests', RUNNER_RESOURCE_DEFAULTS.cpuRequest)
    .option('--cpu-limit <q>', 'CPU limit of each runner', RUNNER_RESOURCE_DEFAULTS.cpuLimit)
    .option('--memory-request <q>', 'memory each runner requests', RUNNER_RESOURCE_DEFAULTS.memoryRequest)
    .option('--memory-limit <q>', 'memory limit of each runner', RUNNER_RESOURCE_DEFAULTS.memoryLimit)
    .option('--storage-class <name>', 'StorageClass of the results claim (must offer ReadWriteMany)')
    .option('--results-size <q>', 'size of the results claim', RESULTS_SIZE_DEFAULT)
    .option('--separate', 'put every runner on a different node')
    .action(async (options: K6OperatorCommandOptions) => {
      await runK6OperatorCommand(options);
    });
}
