import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type StartedFleet } from './start-fleet.ts';
import { postJson, traceparent } from './testing.ts';

/** `POST /admin/flush`: what a container fleet calls instead of the in-process `fleet.flush()`. */
describe('POST /admin/flush', () => {
  let fleet: StartedFleet;
  let base: string;
  const spans = new InMemorySpanExporter();
  const logDir = mkdtempSync(join(tmpdir(), 'admin-flush-'));

  beforeAll(async () => {
    fleet = await startFleet({
      services: ['mind-kb'],
      threads: 1,
      logDir,
      logsViaOtlp: false,
      spanExporterFactory: () => spans,
    });
    base = fleet.services.get('mind-kb')!.url;
  });
  afterAll(async () => {
    await fleet[Symbol.asyncDispose]();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('exports the buffered spans and writes the pending log lines before answering 200', async () => {
    const traceId = 'ab'.repeat(16);
    const answer = await postJson(
      `${base}/internal/query`,
      { query: 'q' },
      { traceparent: traceparent(traceId, 'cd'.repeat(8)) },
    );
    expect(answer.status).toBe(200);
    expect(spans.getFinishedSpans()).toHaveLength(0);
    const res = await fetch(`${base}/admin/flush`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ service: 'mind-kb', flushed: true });
    expect(spans.getFinishedSpans().map((s) => s.spanContext().traceId)).toContain(traceId);
    expect(readFileSync(join(logDir, 'mind-kb', 'mind-kb.log'), 'utf8')).toContain(traceId);
  });

  it('answers 405 to anything but POST', async () => {
    expect((await fetch(`${base}/admin/flush`)).status).toBe(405);
  });
});
