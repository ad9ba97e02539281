import { resolve } from 'node:path';
import type { Phase } from '../catalog/index.ts';
import {
  HarnessError,
  expandEnvReferences,
  newRunId,
  type CheckResult,
  type HarnessConfig,
  type LedgerSource,
} from '../core/index.ts';
import { VALIDATORS, evaluateGate, type ValidatorName } from '../validators/index.ts';
import { externalStack, ledgerAt, ledgerWindow, validate, type ValidationOutcome } from '../api/index.ts';
import { assertExternalRunComplete } from './external-requirements.ts';
import { interruptionOf, type InterruptInfo } from './interrupt.ts';
import type { Progress } from './progress.ts';
import { checksPassLine, linksFrom, type ValidationRun } from './validation-run.ts';

export interface ExternalValidationOptions {
  config: HarnessConfig;
  phase: Phase;
  /** A ledger written by `k6 run … --out json` + `load/ledger.ts`, or by an earlier harness run. */
  ledgerPath: string | undefined;
  /**
   * `--rules <glob>`: check these rule files (the repo's) instead of the rules staging's Prometheus
   * has loaded (`/api/v1/rules`). Alertmanager's config is always staging's (`/api/v2/status`).
   */
  rules?: string[];
  validators?: ValidatorName[];
  progress: Progress;
  signal?: AbortSignal;
}

/**
 * Validates an existing stack (staging): nothing is started; endpoints and headers come from the
 * target config, the requests from a ledger, the run window from the ledger's own timestamps.
 */
export async function runExternalValidation(options: ExternalValidationOptions): Promise<ValidationRun> {
  const { config, progress } = options;
  const external = config.stack.external;
  if (!external) {
    throw new HarnessError('--stack external needs `stack.external` endpoints in the target config', {
      hint: 'pass --target <file> whose stack.external lists prometheus, victorialogs or loki, jaeger, grafana… (see README, "Against staging")',
    });
  }
  const runId = newRunId();
  const runDir = resolve(config.outDir, runId);
  const startedAt = new Date();
  const target = externalStack(external, {
    logStore: config.stack.logStore,
    ...(options.rules ? { rules: options.rules } : {}),
  });
  const { endpoints } = target;
  // A backend or the ledger a required check needs is a setup mistake (exit 2), not a quiet skip.
  assertExternalRunComplete(
    options.phase,
    endpoints,
    options.ledgerPath,
    options.validators ?? (Object.keys(VALIDATORS) as ValidatorName[]),
  );
  const headers = Object.fromEntries(
    Object.entries(external.headers).map(([backend, h]) => [
      backend,
      Object.fromEntries(
        Object.entries(h).map(([k, v]) => [
          k,
          expandEnvReferences(v, process.env, `stack.external.headers.${backend}.${k}`),
        ]),
      ),
    ]),
  );
  progress.stage('reading the ledger');
  let ledger: LedgerSource | undefined;
  let window: { start: Date; end: Date } | undefined;
  if (options.ledgerPath) {
    ledger = ledgerAt(options.ledgerPath);
    const read = await ledgerWindow(ledger, options.signal);
    window = read.window;
    progress.done(
      `${read.requests} requests from ${window.start.toISOString()} to ${window.end.toISOString()}`,
    );
  } else {
    progress.done('no ledger: none of the checks run at this phase needs one');
  }
  progress.stage('validating against the external backends');
  const results: CheckResult[] = [];
  let outcome: ValidationOutcome | undefined;
  let interrupted: InterruptInfo | undefined;
  try {
    outcome = await validate({
      phase: options.phase,
      stack: { ...target, headers },
      ...(ledger ? { ledger } : {}),
      ...(window ? { window } : {}),
      ...(options.validators ? { validators: options.validators } : {}),
      waive: config.waive,
      ingestTimeoutMs: config.stack.ingestTimeoutMs,
      runId,
      runDir,
      results,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    interrupted = interruptionOf(options.signal);
    if (!interrupted) throw error;
    results.sort((a, b) => a.id.localeCompare(b.id));
  }
  const gate = outcome?.gate ?? evaluateGate(results, options.phase, config.waive);
  progress.done(checksPassLine(results));
  return {
    runId,
    runDir,
    startedAt,
    finishedAt: new Date(),
    results,
    gate,
    scenario: undefined,
    components: Object.entries(endpoints).map(([name, url]) => ({ name, version: 'external', url })),
    links: linksFrom(endpoints),
    ledgerPath: ledger?.path,
    stack: undefined,
    ...(interrupted ? { interrupted } : {}),
  };
}
