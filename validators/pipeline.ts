import type { Phase } from '../catalog/index.ts';
import type { CheckResult } from '../core/index.ts';
import type { PrometheusApi } from './clients/index.ts';
import type { LogStoreKind } from './clients/log-store.ts';
import { DEFAULT_SCRAPE_JOBS, type ScrapeJobs, type ValidationContext } from './context.ts';
import { exactIncrease } from './metrics.ts';
import { errorMessage, nothingExamined, result, skipped, type ResultBase } from './result.ts';

/** The three OTLP signals and the Collector's name for their items. */
export const SIGNALS = [
  { signal: 'traces', item: 'spans' },
  { signal: 'logs', item: 'log_records' },
  { signal: 'metrics', item: 'metric_points' },
] as const;

/** A stage of the pipeline where telemetry can be lost, and the counter that says so. */
export interface LossCounter {
  stage: string;
  promql: string;
  /** What a positive increase means, for the message. */
  meaning: string;
}

/** What the pipeline checks read about one log store: its name, its loss counters, its accepted-lines counter. */
export interface LogStoreCounters {
  product: string;
  losses: LossCounter[];
  /** Lines the store accepted: the last step of the logs funnel. */
  received: { label: string; promql: string };
  /**
   * The counter of what the store refused, which must exist for "nothing refused" to mean anything;
   * `mayBeAbsent` when the product creates it only at the first refusal (Loki's per-reason CounterVec).
   */
  refused: { promql: string; mayBeAbsent?: boolean };
}

/**
 * The loss counters of each log store, from its own `/metrics` (Prometheus scrapes it). Metric
 * names only, no job: they are unique to the product, and a staging stack names its jobs itself.
 */
export const LOG_STORE_COUNTERS: Readonly<Record<LogStoreKind, LogStoreCounters>> = {
  victorialogs: {
    product: 'VictoriaLogs',
    losses: [
      {
        stage: 'VictoriaLogs ingestion',
        promql: 'vl_rows_dropped_total',
        meaning:
          'log lines dropped by VictoriaLogs (reason label says why: timestamps out of retention, too many fields)',
      },
      {
        stage: 'VictoriaLogs line size',
        promql: 'vl_too_long_lines_skipped_total',
        meaning: 'log lines VictoriaLogs skipped as longer than -insert.maxLineSizeBytes',
      },
      {
        stage: 'VictoriaLogs insert API',
        promql: 'vl_http_errors_total{path=~"/insert/.*"}',
        meaning: 'push requests VictoriaLogs refused (their lines are lost unless the sender retried)',
      },
    ],
    received: { label: 'log lines ingested by VictoriaLogs', promql: 'vl_rows_ingested_total' },
    // Registered at start-up for every insert path, so absent means the store is not scraped.
    refused: { promql: 'vl_http_errors_total{path=~"/insert/.*"}' },
  },
  loki: {
    product: 'Loki',
    losses: [
      {
        stage: 'Loki ingestion',
        promql: 'loki_discarded_samples_total',
        meaning: 'log lines discarded by Loki (reason label says why)',
      },
    ],
    received: { label: 'log lines received by Loki', promql: 'loki_distributor_lines_received_total' },
    refused: { promql: 'loki_discarded_samples_total', mayBeAbsent: true },
  },
};

/**
 * The log store this run's logs went to: the logs client's kind when the context has one, else the
 * endpoint it was given (`loki` alone means Loki), else the embedded VictoriaLogs.
 */
export function logStoreOf(ctx: Pick<ValidationContext, 'clients' | 'endpoints'>): LogStoreKind {
  const kind = ctx.clients.logs?.kind;
  if (kind) return kind;
  return ctx.endpoints.loki && !ctx.endpoints.victorialogs ? 'loki' : 'victorialogs';
}

/**
 * A counter of the Collector's own telemetry (Jaeger v2's too) by scrape job, with or without the
 * `_total` suffix: the Collector's Prometheus exporter dropped it (0.160 here writes
 * `otelcol_receiver_accepted_spans`), and a staging Collector may be older or newer.
 */
export function otelcol(name: string, job: string): string {
  return `{__name__=~"${name}(_total)?",job="${job}"}`;
}

/** A counter's selector as a person reads it: `otelcol_receiver_accepted_spans[_total]{job="x"}`. */
export function counterName(promql: string): string {
  return promql.replace(/^\{__name__=~"([^"(]+)\(_total\)\?",/, '$1[_total]{');
}

/** The job names the pipeline checks use: the context's, else the embedded stack's. */
export function scrapeJobsOf(
  ctx: Pick<ValidationContext, 'clients' | 'endpoints' | 'scrapeJobs'>,
): ScrapeJobs {
  return { ...DEFAULT_SCRAPE_JOBS, logStore: logStoreOf(ctx), ...ctx.scrapeJobs };
}

/** Every counter of refused, failed or discarded telemetry the stack exposes about itself. */
export function lossCounters(
  collectorJob = DEFAULT_SCRAPE_JOBS.collector,
  logStore: LogStoreKind = 'victorialogs',
  jaegerJob = DEFAULT_SCRAPE_JOBS.jaeger,
): LossCounter[] {
  return [
    ...SIGNALS.flatMap(({ signal, item }) => [
      {
        stage: `Collector receiver (${signal})`,
        promql: otelcol(`otelcol_receiver_refused_${item}`, collectorJob),
        meaning: `${item.replace('_', ' ')} refused by the Collector's receiver`,
      },
      {
        stage: `Collector receiver (${signal})`,
        promql: otelcol(`otelcol_receiver_failed_${item}`, collectorJob),
        meaning: `${item.replace('_', ' ')} the Collector's receiver failed to pass on (an internal error)`,
      },
      {
        stage: `Collector processors (${signal})`,
        promql: otelcol(`otelcol_processor_refused_${item}`, collectorJob),
        meaning: `${item.replace('_', ' ')} refused by a processor (memory_limiter)`,
      },
      {
        stage: `Collector exporter (${signal})`,
        promql: otelcol(`otelcol_exporter_send_failed_${item}`, collectorJob),
        meaning: `${item.replace('_', ' ')} the Collector failed to send to the backend`,
      },
      {
        stage: `Collector queue (${signal})`,
        promql: otelcol(`otelcol_exporter_enqueue_failed_${item}`, collectorJob),
        meaning: `${item.replace('_', ' ')} dropped because the export queue was full`,
      },
    ]),
    {
      stage: 'Jaeger receiver',
      promql: otelcol('otelcol_receiver_refused_spans', jaegerJob),
      meaning: 'spans refused by Jaeger',
    },
    ...LOG_STORE_COUNTERS[logStore].losses,
    {
      stage: 'Prometheus remote write',
      promql: 'prometheus_http_requests_total{handler="/api/v1/write",code!~"2.."}',
      meaning: 'remote-write requests Prometheus rejected',
    },
  ];
}

/**
 * The counters "nothing was lost" rests on: for the Collector (traces and logs) and each backend, the
 * items it accepted and the items it refused. Each must exist, and each accepted counter must have
 * grown during the run; otherwise zero losses would only mean nobody counted.
 */
export function acceptanceCounters(
  jobs: Pick<ScrapeJobs, 'collector' | 'jaeger'>,
  logStore: LogStoreKind,
): { stage: string; accepted: string; refused: string; refusedMayBeAbsent?: boolean }[] {
  const store = LOG_STORE_COUNTERS[logStore];
  return [
    {
      stage: 'Collector (traces)',
      accepted: otelcol('otelcol_receiver_accepted_spans', jobs.collector),
      refused: otelcol('otelcol_receiver_refused_spans', jobs.collector),
    },
    {
      stage: 'Collector (logs)',
      accepted: otelcol('otelcol_receiver_accepted_log_records', jobs.collector),
      refused: otelcol('otelcol_receiver_refused_log_records', jobs.collector),
    },
    {
      stage: 'Jaeger',
      accepted: otelcol('otelcol_receiver_accepted_spans', jobs.jaeger),
      refused: otelcol('otelcol_receiver_refused_spans', jobs.jaeger),
    },
    {
      stage: store.product,
      accepted: store.received.promql,
      refused: store.refused.promql,
      ...(store.refused.mayBeAbsent ? { refusedMayBeAbsent: true } : {}),
    },
  ];
}

/** Items accepted at each stage, per signal: the funnel shown when something was lost. */
function funnelCounters(
  collectorJob: string,
  logStore: LogStoreKind,
  jaegerJob: string,
): { label: string; promql: string }[] {
  const store = LOG_STORE_COUNTERS[logStore];
  return [
    {
      label: 'spans accepted by the Collector',
      promql: otelcol('otelcol_receiver_accepted_spans', collectorJob),
    },
    { label: 'spans sent to Jaeger', promql: otelcol('otelcol_exporter_sent_spans', collectorJob) },
    {
      label: 'spans accepted by Jaeger',
      promql: otelcol('otelcol_receiver_accepted_spans', jaegerJob),
    },
    {
      label: 'log records accepted by the Collector',
      promql: otelcol('otelcol_receiver_accepted_log_records', collectorJob),
    },
    {
      label: `log records sent to ${store.product}`,
      promql: otelcol('otelcol_exporter_sent_log_records', collectorJob),
    },
    store.received,
  ];
}

async function increaseOf(
  prom: PrometheusApi,
  promql: string,
  start: Date,
  end: Date,
): Promise<{ total: number; by: Record<string, number>; series: number }> {
  const rangeS = Math.ceil((end.getTime() - start.getTime()) / 1000) + 120;
  const series = await prom.queryRaw(`${promql}[${rangeS}s]`, end);
  const by: Record<string, number> = {};
  let total = 0;
  for (const s of series) {
    const n = exactIncrease(s.values, start);
    total += n;
    const key = Object.entries(s.metric)
      .filter(([k]) => ['receiver', 'exporter', 'processor', 'reason', 'code', 'path', 'tenant'].includes(k))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (n > 0) by[key || '-'] = (by[key || '-'] ?? 0) + n;
  }
  return { total, by, series: series.length };
}

const base = (id: string, title: string, phase: Phase): ResultBase => ({
  id: `pipeline.${id}`,
  family: 'pipeline',
  title,
  phase,
});

/**
 * The pipeline family: the monitoring stack monitors itself. Over the run window, no stage refused,
 * failed or discarded telemetry; the Collector and the backends were scraped all along. A failure
 * names the stage where data was lost and shows the funnel (accepted → sent → stored).
 */
export async function pipelineCheck(ctx: ValidationContext): Promise<CheckResult[]> {
  const ids = {
    losses: base('losses', 'No stage of the pipeline refused, failed or discarded telemetry', 1),
    collectorUp: base('collector-up', "The Collector's own metrics were scraped throughout the run", 1),
  };
  const prom = ctx.clients.prometheus;
  if (!prom) return Object.values(ids).map((b) => skipped(b, 'needs the Prometheus endpoint'));
  if (!ctx.window) return Object.values(ids).map((b) => skipped(b, 'needs the run window'));
  const { start } = ctx.window;
  const end = new Date(Math.max(ctx.window.end.getTime(), Date.now()));
  const jobs = scrapeJobsOf(ctx);
  const job = jobs.collector;
  const logStore = logStoreOf(ctx);
  try {
    const [losses, funnel, acceptance, upSamples] = await Promise.all([
      Promise.all(
        lossCounters(job, logStore, jobs.jaeger).map(async (c) => ({
          ...c,
          ...(await increaseOf(prom, c.promql, start, end)),
        })),
      ),
      Promise.all(
        funnelCounters(job, logStore, jobs.jaeger).map(async (f) => ({
          ...f,
          ...(await increaseOf(prom, f.promql, start, end)),
        })),
      ),
      Promise.all(
        acceptanceCounters(jobs, logStore).map(async (a) => ({
          ...a,
          acceptedNow: await increaseOf(prom, a.accepted, start, end),
          refusedNow: await increaseOf(prom, a.refused, start, end),
        })),
      ),
      prom.queryRaw(`up{job="${job}"}[${Math.ceil((end.getTime() - start.getTime()) / 1000)}s]`, end),
    ]);
    const funnelText = funnel.map((f) => `${f.label}: ${f.total}`).join(', ');
    const lost = losses.filter((l) => l.total > 0);
    // Zero losses mean something only where the stage's counters exist and it accepted telemetry.
    const uncounted = acceptance.flatMap((a) => [
      ...(a.acceptedNow.series === 0 ? [`${a.stage}: no ${counterName(a.accepted)} counter`] : []),
      ...(a.acceptedNow.series > 0 && a.acceptedNow.total === 0
        ? [`${a.stage}: ${counterName(a.accepted)} did not grow during the run (nothing accepted)`]
        : []),
      ...(a.refusedNow.series === 0 && !a.refusedMayBeAbsent
        ? [`${a.stage}: no ${counterName(a.refused)} counter`]
        : []),
    ]);
    const examined = [...losses, ...funnel].reduce((n, c) => n + c.series, 0);
    const lossResult =
      lost.length === 0 && uncounted.length > 0
        ? nothingExamined(ids.losses, {
            expected: 'accepted and refused counters of the Collector and each backend, accepted > 0',
            message: `cannot tell whether telemetry was lost: Prometheus at ${prom.baseUrl} lacks ${uncounted.join('; ')} (is each component scraped under its job? see stack.external.jobs)`,
            evidence: { promql: acceptance.flatMap((a) => [a.accepted, a.refused]) },
          })
        : lost.length === 0
          ? result(ids.losses, 'pass', {
              expected: '0 lost',
              observed: '0 lost',
              message: `nothing refused, failed or discarded (${funnelText})`,
              evidence: { promql: losses.map((l) => l.promql) },
              examined,
            })
          : result(ids.losses, 'fail', {
              expected: '0 lost',
              observed: lost.map((l) => `${l.stage}: ${l.total}`).join(', '),
              message: `telemetry lost at ${lost
                .map(
                  (l) =>
                    `${l.stage}: ${l.total} ${l.meaning}${
                      Object.keys(l.by).length
                        ? ` (${Object.entries(l.by)
                            .map(([k, v]) => `${k}: ${v}`)
                            .join('; ')})`
                        : ''
                    }`,
                )
                .join('; ')}. Funnel: ${funnelText}`,
              evidence: { promql: lost.map((l) => l.promql) },
              examined,
            });
    const samples = upSamples.flatMap((s) => s.values);
    const down = samples.filter(([, v]) => v !== '1').length;
    const upResult =
      samples.length > 0 && down === 0
        ? result(ids.collectorUp, 'pass', {
            expected: 'up at every scrape',
            observed: `${samples.length} scrapes, all up`,
            message: 'the Collector answered every scrape during the run',
            examined: samples.length,
          })
        : result(ids.collectorUp, 'fail', {
            expected: 'up at every scrape',
            observed: samples.length === 0 ? 'never scraped' : `${down} of ${samples.length} scrapes down`,
            message:
              samples.length === 0
                ? `Prometheus at ${prom.baseUrl} has no up{job="${job}"} samples for the run: the Collector was never scraped`
                : `the Collector was down for ${down} of ${samples.length} scrapes during the run: telemetry sent meanwhile was lost before the Collector (funnel: ${funnelText})`,
            evidence: { promql: [`up{job="${job}"}`] },
            examined: samples.length,
          });
    return [lossResult, upResult];
  } catch (error) {
    return Object.values(ids).map((b) =>
      result(b, 'error', {
        expected: '-',
        observed: errorMessage(error),
        message: `could not query Prometheus: ${errorMessage(error)}`,
      }),
    );
  }
}
