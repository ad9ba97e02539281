import { randomBytes } from 'node:crypto';
import { describeLast, pollUntil, type CheckResult } from '../core/index.ts';
import type { ValidationContext } from './context.ts';
import { errorMessage, result, skipped, type ResultBase } from './result.ts';

export const PROBE_SERVICE = 'phoenix-harness-probe';
const PROBE_ALERT = 'PhoenixHarnessPipelineProbe';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

const base = (id: string, title: string): ResultBase => ({
  id: `pipeline.probe.${id}`,
  family: 'pipeline',
  title,
  phase: 1,
});

/**
 * End-to-end probe of the monitoring pipeline itself: one span and one log record (carrying the
 * span's trace id) sent to the Collector, one metric exposed for Prometheus to scrape, one alert
 * posted to Alertmanager; each must come out of the backend that stores it. Each leg examines the
 * one probe item it sent: `examined` is 1 when it arrived, 0 when not. The metric leg's scrape
 * target is handed in (`ctx.probeTarget`): the probe starts nothing itself.
 */
export async function pipelineProbe(ctx: ValidationContext): Promise<CheckResult[]> {
  const traceId = hex(16);
  const spanId = hex(8);
  const probeId = `${ctx.runId}-${hex(3)}`;
  return Promise.all([
    traceLeg(ctx, traceId, spanId, probeId),
    logLeg(ctx, traceId, spanId, probeId),
    metricLeg(ctx, probeId),
    alertLeg(ctx, probeId),
  ]);
}

async function traceLeg(
  ctx: ValidationContext,
  traceId: string,
  spanId: string,
  probeId: string,
): Promise<CheckResult> {
  const b = base('trace', 'A span sent to the Collector is stored in Jaeger');
  const { otlp, jaeger } = ctx.clients;
  if (!otlp || !jaeger) return skipped(b, 'needs the Collector and Jaeger endpoints');
  const started = Date.now();
  const evidence = { traceIds: [traceId], urls: [`${jaeger.baseUrl}/api/traces/${traceId}`] };
  try {
    await otlp.sendSpan({
      serviceName: PROBE_SERVICE,
      traceId,
      spanId,
      name: 'pipeline-probe',
      attributes: { 'probe.id': probeId },
    });
  } catch (error) {
    return result(b, 'fail', {
      examined: 0,
      expected: 'the Collector accepts the span',
      observed: errorMessage(error),
      message: `could not send the probe span: ${errorMessage(error)}`,
      evidence,
    });
  }
  const outcome = await pollUntil({
    description: `trace ${traceId} in Jaeger`,
    probe: () => jaeger.getTrace(traceId),
    until: (t) => t !== undefined && t.spans.some((s) => s.spanID === spanId),
    timeoutMs: ctx.ingestTimeoutMs,
    intervalMs: 500,
  });
  const durationMs = Date.now() - started;
  if (outcome.ok) {
    return result(b, 'pass', {
      examined: 1,
      expected: `trace ${traceId} with span ${spanId}`,
      observed: `found after ${outcome.elapsedMs}ms`,
      message: 'the probe span reached Jaeger',
      evidence,
      durationMs,
    });
  }
  const last = describeLast(outcome, (t) => (t ? `${t.spans.length} span(s)` : 'trace not found'));
  return result(b, 'fail', {
    examined: 0,
    expected: `trace ${traceId} with span ${spanId}`,
    observed: last,
    message: `Jaeger at ${jaeger.baseUrl} did not return the probe trace within ${ctx.ingestTimeoutMs}ms (last: ${last})`,
    evidence,
    durationMs,
  });
}

async function logLeg(
  ctx: ValidationContext,
  traceId: string,
  spanId: string,
  probeId: string,
): Promise<CheckResult> {
  const { otlp, logs } = ctx.clients;
  const store = logs?.product ?? 'the log store';
  const b = base('log', `A log record sent to the Collector is stored in ${store} with its trace id`);
  if (!otlp || !logs) return skipped(b, 'needs the Collector and log store (VictoriaLogs or Loki) endpoints');
  const started = new Date();
  const query = logs.traceLinesQuery(traceId, PROBE_SERVICE);
  const evidence = {
    traceIds: [traceId],
    ...(logs.kind === 'loki' ? { logql: [query] } : { logsql: [query] }),
  };
  try {
    await otlp.sendLog({
      serviceName: PROBE_SERVICE,
      traceId,
      spanId,
      level: 'info',
      body: `pipeline probe ${probeId}`,
      attributes: { 'probe.id': probeId },
    });
  } catch (error) {
    return result(b, 'fail', {
      examined: 0,
      expected: 'the Collector accepts the log record',
      observed: errorMessage(error),
      message: `could not send the probe log record: ${errorMessage(error)}`,
      evidence,
    });
  }
  const outcome = await pollUntil({
    description: `probe log line in ${logs.product}`,
    probe: () =>
      logs.linesWithTraceId(
        traceId,
        { start: new Date(started.getTime() - 60_000), end: new Date(Date.now() + 5_000) },
        PROBE_SERVICE,
      ),
    until: (lines) => lines.some((l) => l.line.includes(probeId)),
    timeoutMs: ctx.ingestTimeoutMs,
    intervalMs: 500,
  });
  const durationMs = Date.now() - started.getTime();
  if (outcome.ok) {
    return result(b, 'pass', {
      examined: 1,
      expected: `a line with trace_id=${traceId}`,
      observed: `found after ${outcome.elapsedMs}ms`,
      message: `the probe log line reached ${logs.product}, carrying the trace id`,
      evidence,
      durationMs,
    });
  }
  const last = describeLast(outcome, (lines) => `${lines.length} line(s)`);
  return result(b, 'fail', {
    examined: 0,
    expected: `a line with trace_id=${traceId}`,
    observed: last,
    message: `${logs.product} at ${logs.baseUrl} did not return the probe log line within ${ctx.ingestTimeoutMs}ms (last: ${last})`,
    evidence,
    durationMs,
  });
}

async function metricLeg(ctx: ValidationContext, probeId: string): Promise<CheckResult> {
  const b = base('metric', 'A metric exposed for scraping is queryable in Prometheus');
  const { prometheus } = ctx.clients;
  const { registerScrapeTargets, probeTarget } = ctx;
  if (!prometheus) return skipped(b, 'needs the Prometheus endpoint');
  if (!registerScrapeTargets)
    return skipped(b, 'the stack is external: the harness cannot add a scrape target');
  if (!probeTarget)
    return skipped(b, 'needs the probe scrape target (ctx.probeTarget) the orchestration starts');
  const promql = probeTarget.series(probeId);
  const evidence = {
    promql: [promql],
    urls: [`${prometheus.baseUrl}/graph?g0.expr=${encodeURIComponent(promql)}`],
  };
  const started = Date.now();
  const errorsBefore = probeTarget.errors.length;
  try {
    probeTarget.mark(probeId);
    registerScrapeTargets([{ targets: [probeTarget.address], labels: { probe: 'pipeline' } }]);
    const outcome = await pollUntil({
      description: 'probe metric in Prometheus',
      probe: () => prometheus.query(promql),
      until: (samples) => samples.length > 0,
      timeoutMs: ctx.ingestTimeoutMs,
      intervalMs: 500,
    });
    const durationMs = Date.now() - started;
    if (outcome.ok) {
      return result(b, 'pass', {
        examined: 1,
        expected: `${promql} == 1`,
        observed: `found after ${outcome.elapsedMs}ms`,
        message: 'Prometheus scraped the probe metric',
        evidence,
        durationMs,
      });
    }
    const last = describeLast(outcome, (s) => `${s.length} series`);
    const listenerErrors = probeTarget.errors.slice(errorsBefore);
    return result(b, 'fail', {
      examined: 0,
      expected: `${promql} == 1`,
      observed: last,
      message: `Prometheus at ${prometheus.baseUrl} did not return the probe metric within ${ctx.ingestTimeoutMs}ms (last: ${last})${listenerErrors.length ? `; the probe's listener at ${probeTarget.address} failed: ${listenerErrors.join('; ')}` : ''}`,
      evidence,
      durationMs,
    });
  } finally {
    registerScrapeTargets([]);
    probeTarget.unmark(probeId);
  }
}

async function alertLeg(ctx: ValidationContext, probeId: string): Promise<CheckResult> {
  const b = base('alert', 'A critical alert posted to Alertmanager reaches pagerduty and slack');
  const { alertmanager, sink } = ctx.clients;
  if (!alertmanager || !sink) return skipped(b, 'needs Alertmanager and the webhook sink');
  const expectedReceivers = ['pagerduty', 'slack'];
  const started = Date.now();
  const evidence = { urls: [`${alertmanager.baseUrl}/api/v2/alerts`, `${sink.baseUrl}/api/notifications`] };
  try {
    await alertmanager.postAlerts([
      {
        labels: { alertname: PROBE_ALERT, severity: 'critical', service: PROBE_SERVICE, probe_id: probeId },
        annotations: { summary: `Pipeline probe ${probeId}` },
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 5 * 60_000).toISOString(),
      },
    ]);
  } catch (error) {
    return result(b, 'fail', {
      examined: 0,
      expected: 'Alertmanager accepts the alert',
      observed: errorMessage(error),
      message: `could not post the probe alert: ${errorMessage(error)}`,
      evidence,
    });
  }
  const outcome = await pollUntil({
    description: 'probe alert at the webhook sink',
    probe: async () => {
      const notes = await sink.notifications();
      const got = notes
        .filter((n) => n.payload.alerts.some((a) => a.labels.probe_id === probeId))
        .map((n) => n.receiver);
      return [...new Set(got)].sort();
    },
    until: (receivers) => expectedReceivers.every((r) => receivers.includes(r)),
    timeoutMs: ctx.ingestTimeoutMs,
    intervalMs: 250,
  });
  const durationMs = Date.now() - started;
  const observed = describeLast(outcome, (r) =>
    r.length ? `delivered to ${r.join(', ')}` : 'not delivered',
  );
  if (outcome.ok) {
    return result(b, 'pass', {
      examined: 1,
      expected: `delivered to ${expectedReceivers.join(' and ')}`,
      observed,
      message:
        'the probe alert was routed as the seed prescribes (critical → pagerduty, continuing to slack)',
      evidence,
      durationMs,
    });
  }
  return result(b, 'fail', {
    examined: 0,
    expected: `delivered to ${expectedReceivers.join(' and ')}`,
    observed,
    message: `Alertmanager at ${alertmanager.baseUrl} did not deliver the probe alert to ${expectedReceivers.join(' and ')} within ${ctx.ingestTimeoutMs}ms (last: ${observed})`,
    evidence,
    durationMs,
  });
}
