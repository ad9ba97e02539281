/**
 * The in-process load engine: runs a scenario definition from scenarios/lib (the same one k6 runs)
 * with k6's arrival-rate semantics, and leaves what k6 leaves: summary.json (k6's summary shape,
 * thresholds evaluated) and the ledger, streamed to disk.
 *
 * - Open model: iterations start on the schedule (schedule.ts) whatever the response times.
 * - VUs: `preAllocatedVUs` exist from the start; when an iteration is due and none is idle, another
 *   is added up to `maxVUs`, beyond which the iteration is dropped and counted (dropped_iterations).
 *   k6 also drops the iteration that makes it initialize an extra VU, because a k6 VU takes time
 *   to start; ours costs nothing, so that iteration runs at once.
 * - Execution segments (segment.ts): VU counts are the segment's share (k6's ScaleInt64), VU ids
 *   and iteration numbers are global, so correlation ids never collide across instances.
 * - After the last scheduled start, in-flight iterations get `gracefulStop`; then they are cut.
 */
import { join } from 'node:path';
import { writeFile, mkdir } from 'node:fs/promises';
import { HarnessError } from '../../core/index.ts';
import {
  checksFor,
  FLOWS,
  flowAnswer,
  parseDurationMs,
  pickFlow,
  planFlowRequest,
  PREFLIGHT_TIMEOUT,
  preflightFailure,
  preflightHeaders,
  preflightUrl,
  RequestNumbering,
  renderTextSummary,
  ScenarioConfigError,
  scenarioDefinition,
  setupData,
  PHOENIX_SUMMARY_KEY,
  type FlowAnswer,
  type FlowName,
  type ScenarioName,
  type SetupData,
} from '../../scenarios/index.ts';
import {
  droppedIterationsOf,
  flowRequestCount,
  K6_THRESHOLDS_FAILED,
  k6SummarySchema,
  thresholdFailuresFrom,
  type ScenarioRun,
} from '../scenario-run.ts';
import { HttpClient, K6_ERROR_CODES, type Connection, type HttpAnswer } from './http-client.ts';
import { nextTraceIds } from './ids.ts';
import { EngineLedger, jsonString } from './ledger-stream.ts';
import { RunMetrics } from './metrics.ts';
import { iterationSchedule, type ScheduledIteration } from './schedule.ts';
import {
  equalSplitSequence,
  ExecutionTuple,
  formatSegment,
  parseExecutionSegment,
  parseExecutionSegmentSequence,
  type ExecutionSegment,
} from './segment.ts';

export interface EngineOptions {
  scenario: ScenarioName;
  /** The scenario's environment, as k6's `__ENV`: BASE_URL, RUN_ID, RATE, DURATION, VUS, MAX_VUS… */
  env: Readonly<Record<string, string>>;
  /** Where summary.json and ledger.jsonl go. */
  runDir: string;
  /** Record the ledger (default true). */
  ledger?: boolean;
  /** k6's --execution-segment (`1/4:2/4`); default the whole test. */
  segment?: string;
  /** k6's --execution-segment-sequence; default the equal split the segment implies (`0,1/4,…,1`). */
  segmentSequence?: string;
  /** Every iteration sends this flow instead of the scenario's mix (benchmarks of one flow). */
  flow?: FlowName;
  /** Receives the text summary's lines. */
  onOutput?: (line: string) => void;
  /** Called once setup is done (preflight answered, sockets connected), as the schedule starts. */
  onScheduleStart?: () => void;
  signal?: AbortSignal;
}

interface Vu {
  /** k6's exec.vu.idInTest. */
  idInTest: number;
  iterations: number;
  numbering: RequestNumbering;
  /** The VU's own keep-alive connection, as in k6. */
  connection: Connection;
}

/** Preflight requests that timed out before the engine gives up (each has PREFLIGHT_TIMEOUT). */
const PREFLIGHT_ATTEMPTS = 3;
/** Sockets connected before the start, at most (one per pre-allocated VU up to this). */
const MAX_PRECONNECT = 1_024;

const CHECKS: ReadonlyMap<FlowName, [string, (a: FlowAnswer) => boolean][]> = new Map(
  FLOWS.map((f) => [f.name, Object.entries(checksFor(f.name))]),
);

/** The segment's tuple: an explicit sequence, else the equal split it implies, else k6's gap filling. */
export function executionTuple(segment: string | undefined, sequence: string | undefined): ExecutionTuple {
  const parsed: ExecutionSegment = parseExecutionSegment(segment ?? '');
  const sequenceText = sequence ?? equalSplitSequence(parsed);
  return new ExecutionTuple(
    parsed,
    sequenceText === undefined ? undefined : parseExecutionSegmentSequence(sequenceText),
  );
}

function configError(error: unknown, where: string): never {
  if (
    error instanceof ScenarioConfigError ||
    (error instanceof Error && error.name === 'ExecutionSegmentError')
  ) {
    throw new HarnessError(error.message, {
      where,
      hint: 'fix the variable or option named above',
      cause: error,
    });
  }
  throw error;
}

export async function runEngine(options: EngineOptions): Promise<ScenarioRun> {
  const where = `in-process engine: scenario ${options.scenario}`;
  let definition;
  let tuple: ExecutionTuple;
  try {
    definition = scenarioDefinition(options.scenario, options.env);
    tuple = executionTuple(options.segment, options.segmentSequence);
  } catch (error) {
    configError(error, where);
  }
  const { config, executor, thresholds } = definition;
  const preAllocatedVUs = tuple.scale(executor.preAllocatedVUs);
  const maxVUs = Math.max(preAllocatedVUs, tuple.scale(executor.maxVUs));
  // Arrival-rate executors stripe iterations by the tuple re-cut by maxVUs (k6): none without VUs.
  const iterationTuple = tuple.withValue(executor.maxVUs);
  const timeoutMs = parseDurationMs(config.requestTimeout) ?? 10_000;
  const onlyFlow = options.flow === undefined ? undefined : FLOWS.find((f) => f.name === options.flow);
  if (options.flow !== undefined && onlyFlow === undefined) {
    throw new HarnessError(`unknown flow ${JSON.stringify(options.flow)}`, {
      where,
      hint: `use one of ${FLOWS.map((f) => f.name).join(', ')}`,
    });
  }
  const gracefulStopMs = parseDurationMs(executor.gracefulStop) ?? 0;

  await mkdir(options.runDir, { recursive: true });
  const metrics = new RunMetrics();
  const http = new HttpClient();
  const ledgerOn = options.ledger ?? true;
  const ledgerPath = join(options.runDir, 'ledger.jsonl');
  let ledger: EngineLedger | undefined;
  const testStart = performance.now();
  try {
    // setup(): the preflight, as the k6 script's (counted in http_reqs, not a flow request).
    const url = preflightUrl(config);
    const preflightTimeoutMs = parseDurationMs(PREFLIGHT_TIMEOUT) ?? 3_000;
    // A preflight that got no answer in time is asked again until PREFLIGHT_ATTEMPTS (N workers
    // start at once on a busy machine); an answer other than 200, or a refused connection, is final.
    let pre: HttpAnswer;
    for (let attempt = 1; ; attempt++) {
      pre = await http.send({
        method: 'GET',
        url,
        headers: preflightHeaders(config),
        timeoutMs: preflightTimeoutMs,
      });
      metrics.recordRequest(undefined, pre.status, pre.durationMs);
      if (
        pre.status !== 0 ||
        pre.errorCode !== K6_ERROR_CODES.requestTimeout ||
        attempt >= PREFLIGHT_ATTEMPTS
      )
        break;
    }
    if (pre.status !== 200) {
      throw new HarnessError(preflightFailure(url, pre.status, pre.error), {
        where,
        hint: 'start what the message names (usually the fleet), or point BASE_URL at it',
      });
    }
    const data = setupData(config);
    ledger = ledgerOn ? await EngineLedger.open(ledgerPath) : undefined;
    const origin = new URL(data.baseUrl).origin;
    // Every flow request goes to the same origin: each flow's path and check cells, resolved once.
    const routes = new Map(
      FLOWS.map((f) => {
        const target = new URL(`${data.baseUrl}${f.path}`);
        return [
          f.name,
          {
            path: `${target.pathname}${target.search}`,
            checks: (CHECKS.get(f.name) ?? []).map(([name, check]) => ({
              cell: metrics.checkCellOf(name),
              check,
            })),
          },
        ];
      }),
    );
    // Correlation ids are `<run id>-<vu>-<iteration>[-<n>]`: quote the run-wide prefix once.
    const plainIds = /^[A-Za-z0-9._-]*$/.test(data.runId);
    // k6 initializes the pre-allocated VUs before the start: connect their sockets now, so the
    // first second of a high rate does not pay for that many TCP handshakes at once.
    await http.preconnect(origin, Math.min(preAllocatedVUs, MAX_PRECONNECT));

    const vus: Vu[] = [];
    const idle: Vu[] = [];
    const addVu = (): Vu => {
      // k6's VU ids are global: the n-th VU of this segment is the striped n-th of the whole test.
      const vu = {
        idInTest: tuple.globalIndex(vus.length) + 1,
        iterations: 0,
        numbering: new RequestNumbering(),
        connection: http.connection(origin),
      };
      vus.push(vu);
      metrics.vusMax = vus.length;
      return vu;
    };
    for (let i = 0; i < preAllocatedVUs; i++) idle.push(addVu());

    let inFlight = 0;
    let interrupted = false;
    let drained: (() => void) | undefined;
    let failure: unknown;
    let iterationsDone: { n: number } | undefined;

    const dispatch = (scheduled: ScheduledIteration): void => {
      const vu = idle.pop() ?? (vus.length < maxVUs ? addVu() : undefined);
      if (vu === undefined) {
        metrics.count('dropped_iterations');
        return;
      }
      inFlight += 1;
      const iteration = vu.iterations++;
      const flow = onlyFlow ?? pickFlow(definition.mix, scheduled.iterationInTest, Math.random());
      const request = planFlowRequest(
        flow,
        config,
        data,
        { vu: vu.idInTest, iteration, requestInIteration: vu.numbering.next(iteration) },
        Math.random(),
        nextTraceIds(),
      );
      const route = routes.get(flow.name);
      const startMs = Date.now();
      const settle = (answer: HttpAnswer): void => {
        try {
          // Cut at the end of gracefulStop: like k6, an interrupted request leaves no sample.
          if (interrupted) return;
          metrics.recordRequest(flow.name, answer.status, answer.durationMs);
          const seen = flowAnswer(request, answer.status, answer.body);
          for (const { cell, check } of route?.checks ?? []) metrics.checkCell(cell, check(seen));
          (iterationsDone ??= metrics.counterCell('iterations')).n += 1;
          ledger?.append(
            request.traceId,
            plainIds ? `"${request.correlationId}"` : jsonString(request.correlationId),
            flow.name,
            answer.status,
            startMs,
            answer.durationMs,
            answer.errorCode,
          );
        } catch (error) {
          failure ??= error;
        } finally {
          inFlight -= 1;
          idle.push(vu);
          if (inFlight === 0) drained?.();
        }
      };
      vu.connection.send(
        request.method,
        route?.path ?? request.url,
        request.headers,
        request.body,
        timeoutMs,
        settle,
      );
    };

    // The schedule: one tick loop starts every iteration that is due, then sleeps until the next.
    const schedule = iterationTuple === undefined ? undefined : iterationSchedule(executor, iterationTuple);
    options.onScheduleStart?.();
    const scenarioStart = performance.now();
    await new Promise<void>((resolveScheduled) => {
      let next = schedule?.next();
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        clearTimeout(timer);
        resolveScheduled();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const pump = (): void => {
        const now = performance.now() - scenarioStart;
        while (next !== undefined && !next.done && next.value.atMs <= now) {
          dispatch(next.value);
          next = schedule?.next();
        }
        if (next === undefined || next.done || options.signal?.aborted) {
          options.signal?.removeEventListener('abort', onAbort);
          resolveScheduled();
          return;
        }
        timer = setTimeout(pump, Math.max(0, next.value.atMs - (performance.now() - scenarioStart)));
      };
      pump();
    });

    if (inFlight > 0) {
      await new Promise<void>((resolveDrained) => {
        const deadline = setTimeout(() => {
          interrupted = true;
          http.abortAll();
          resolveDrained();
        }, gracefulStopMs);
        drained = () => {
          clearTimeout(deadline);
          resolveDrained();
        };
      });
    }
    if (failure !== undefined) throw failure;
    if (options.signal?.aborted) {
      throw new HarnessError('the in-process engine was stopped before the scenario ended', { where });
    }

    const testRunDurationMs = performance.now() - testStart;
    return await finish({
      options,
      metrics,
      testRunDurationMs,
      data,
      thresholds,
      ledger,
      segment: formatSegment(tuple.segment),
      baseUrl: config.baseUrl,
    });
  } finally {
    await ledger?.close();
    await http.close();
  }
}

async function finish(run: {
  options: EngineOptions;
  metrics: RunMetrics;
  testRunDurationMs: number;
  data: SetupData;
  thresholds: ReturnType<typeof scenarioDefinition>['thresholds'];
  ledger: EngineLedger | undefined;
  segment: string;
  baseUrl: string;
}): Promise<ScenarioRun> {
  const { options, metrics } = run;
  const metricsOut = run.metrics.summaryMetrics(run.testRunDurationMs, run.thresholds);
  const phoenix = {
    scenario: options.scenario,
    runId: run.data.runId,
    baseUrl: run.baseUrl,
    thresholds: run.thresholds,
  };
  const summaryPath = join(options.runDir, 'summary.json');
  const raw = {
    root_group: {
      name: '',
      path: '',
      groups: [],
      checks: [...metrics.checks].map(([name, c]) => ({ name, path: `::${name}`, ...c })),
    },
    metrics: metricsOut,
    state: { testRunDurationMs: run.testRunDurationMs, isStdOutTTY: false, isStdErrTTY: false },
    setup_data: run.data,
    engine: 'node',
    segment: run.segment,
    [PHOENIX_SUMMARY_KEY]: phoenix,
  };
  await writeFile(summaryPath, `${JSON.stringify(raw, null, 2)}\n`);
  if (options.onOutput) {
    const text = renderTextSummary(raw, { ...phoenix, summaryPath });
    for (const line of text.split('\n')) options.onOutput(line);
  }
  const summary = k6SummarySchema.parse(raw);
  const thresholdFailures = thresholdFailuresFrom(summary);
  const requests = flowRequestCount(summary);
  await run.ledger?.close();
  return {
    engine: 'node',
    exitCode: thresholdFailures.length > 0 ? K6_THRESHOLDS_FAILED : 0,
    summary,
    summaryPath,
    ledgerPath: run.ledger?.ledgerPath,
    requests,
    droppedIterations: droppedIterationsOf(summary),
    thresholdFailures,
    runDir: options.runDir,
    conversion:
      run.ledger === undefined
        ? undefined
        : {
            ledgerPath: run.ledger.ledgerPath,
            records: run.ledger.records,
            flowRequests: requests,
            otherRequests: metrics.counter('http_reqs') - requests,
            untraced: 0,
            malformedLines: 0,
            linesRead: run.ledger.records,
          },
    segment: run.segment,
  };
}
