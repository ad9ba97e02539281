/**
 * The scenario variables a k6-operator run passes to its runners, from `--env NAME=value` and
 * `--secret-env NAME=<secret>:<key>`: checked the way the scenario itself will read them
 * (scenarios/lib/config.ts), so a bad RATE fails here rather than in N pods. Secrets (AUTH_TOKEN…)
 * only ever come from a Kubernetes Secret: a value on the command line would land in the manifest.
 */
import { HarnessError } from '../../core/index.ts';
import {
  parseScenarioConfig,
  ScenarioConfigError,
  type ScenarioConfig,
  type ScenarioName,
} from '../../scenarios/index.ts';
import { SECRET_ENV } from '../k6-output.ts';
import { SCENARIO_ENV_NAMES } from '../run-scenario.ts';
import type { SecretKeyRef } from './manifests.ts';

/** Set by the harness on every runner: BASE_URL (--target), RUN_ID (one for all), SUMMARY_PATH (per runner). */
export const HARNESS_SET_ENV = ['BASE_URL', 'RUN_ID', 'SUMMARY_PATH'] as const;
/** What `--env` may set: the scenario's own variables, or k6's (`K6_*`). */
export const SETTABLE_ENV: readonly string[] = SCENARIO_ENV_NAMES.filter(
  (name) => !(HARNESS_SET_ENV as readonly string[]).includes(name),
);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A Secret's name (DNS-1123 subdomain) and key (ConfigMap/Secret key). */
const SECRET_REF = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?):([-._a-zA-Z0-9]+)$/;

export interface ScenarioVariables {
  env: Record<string, string>;
  secretEnv: Record<string, SecretKeyRef>;
  /** The scenario's settings as the runners will read them (duration for the wait, rate…). */
  config: ScenarioConfig;
}

function splitAssignment(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  if (eq < 1 || !ENV_NAME.test(name)) {
    throw new HarnessError(`${flag} ${JSON.stringify(text)}: expected NAME=value`, {
      hint: `e.g. ${flag} ${flag === '--env' ? 'RATE=50' : 'AUTH_TOKEN=phoenix-auth:token'}`,
    });
  }
  return [name, text.slice(eq + 1)];
}

function checkSettable(name: string, flag: string): void {
  if ((HARNESS_SET_ENV as readonly string[]).includes(name)) {
    throw new HarnessError(`${flag} ${name}: the harness sets ${name} on every runner`, {
      hint:
        name === 'BASE_URL'
          ? 'set stack.external.orchestrator in the --target config, or pass --base-url'
          : name === 'RUN_ID'
            ? 'pass --run-id'
            : 'each runner writes its summary next to its raw output on the results volume',
    });
  }
  if (!SETTABLE_ENV.includes(name) && !name.startsWith('K6_')) {
    throw new HarnessError(`${flag} ${name}: not a variable the scenarios read`, {
      hint: `use one of ${SETTABLE_ENV.join(', ')}, or a K6_* option`,
    });
  }
}

/** Parses and checks `--env` and `--secret-env`; throws a HarnessError naming the bad one. */
export function scenarioVariables(
  scenario: ScenarioName,
  envAssignments: readonly string[],
  secretAssignments: readonly string[],
): ScenarioVariables {
  const env: Record<string, string> = {};
  for (const text of envAssignments) {
    const [name, value] = splitAssignment(text, '--env');
    checkSettable(name, '--env');
    if (SECRET_ENV.test(name)) {
      throw new HarnessError(`--env ${name}: a secret must not be written into the manifest`, {
        hint: `store it in a Kubernetes Secret and pass --secret-env ${name}=<secret-name>:<key>`,
      });
    }
    env[name] = value;
  }
  const secretEnv: Record<string, SecretKeyRef> = {};
  for (const text of secretAssignments) {
    const [name, ref] = splitAssignment(text, '--secret-env');
    checkSettable(name, '--secret-env');
    if (env[name] !== undefined) {
      throw new HarnessError(`${name} is given by both --env and --secret-env`, { hint: 'give it once' });
    }
    const match = SECRET_REF.exec(ref);
    if (!match?.[1] || !match[3]) {
      throw new HarnessError(`--secret-env ${name}=${ref}: expected <secret-name>:<key>`, {
        hint: `e.g. --secret-env ${name}=phoenix-auth:token (kubectl create secret generic phoenix-auth --from-literal=token=…)`,
      });
    }
    secretEnv[name] = { secret: match[1], key: match[3] };
  }
  let config: ScenarioConfig;
  try {
    // The values the runners will read; a secret's value is not known here, only that it is set.
    const placeholders = Object.fromEntries(Object.keys(secretEnv).map((name) => [name, 'from-secret']));
    config = parseScenarioConfig(scenario, { ...env, ...placeholders });
  } catch (error) {
    if (error instanceof ScenarioConfigError) {
      throw new HarnessError(
        `invalid --env for the ${scenario} scenario:\n${error.issues.map((i) => `  - ${i}`).join('\n')}`,
        {
          hint: 'fix the variable(s) above (see scenarios/README.md)',
        },
      );
    }
    throw error;
  }
  return { env, secretEnv, config };
}
