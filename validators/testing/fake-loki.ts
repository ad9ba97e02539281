import type { LokiApi, LokiStream, LokiVectorSample } from '../clients/index.ts';

export interface FakeLogLine {
  labels: Record<string, string>;
  traceId: string;
  timeMs: number;
}

/** An in-memory Loki for unit tests: answers the validators' label and per-trace-id count queries. */
export class FakeLoki implements LokiApi {
  readonly baseUrl = 'http://fake-loki';
  lines: FakeLogLine[] = [];

  add(service: string, traceId: string, labels: Record<string, string> = {}, timeMs = Date.now()): this {
    this.lines.push({ labels: { service, level: 'info', ...labels }, traceId, timeMs });
    return this;
  }

  async queryInstant(logql: string, time: Date): Promise<LokiVectorSample[]> {
    const m = /^sum by \(trace_id\) \(count_over_time\(\{service="([^"]+)"\} \[(\d+)s\]\)\)$/.exec(logql);
    if (!m?.[1] || !m[2]) throw new Error(`FakeLoki cannot answer ${logql}`);
    const from = time.getTime() - Number(m[2]) * 1000;
    const counts = new Map<string, number>();
    for (const l of this.lines) {
      if (l.labels.service !== m[1] || l.timeMs <= from || l.timeMs > time.getTime()) continue;
      counts.set(l.traceId, (counts.get(l.traceId) ?? 0) + 1);
    }
    return [...counts].map(([traceId, n]) => ({
      metric: { trace_id: traceId },
      value: [time.getTime() / 1000, String(n)],
    }));
  }

  async queryRange(): Promise<LokiStream[]> {
    return [];
  }

  async labels(): Promise<string[]> {
    return [...new Set(this.lines.flatMap((l) => Object.keys(l.labels)))].sort();
  }

  async labelValues(label: string): Promise<string[]> {
    return [
      ...new Set(this.lines.map((l) => l.labels[label]).filter((v): v is string => v !== undefined)),
    ].sort();
  }
}
