import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../core/index.ts';
import {
  COMPONENT_SPECS,
  HARNESS_TIMING,
  selectComponents,
  STACK_COMPONENTS,
  USER_IMAGE_COMPONENTS,
  type RenderContext,
} from './index.ts';

function ctx(overrides: Partial<RenderContext> = {}): RenderContext {
  let next = 20_000;
  const ports = new Map<string, number>();
  return {
    bindHost: '127.0.0.1',
    port: (name) => ports.get(name) ?? (ports.set(name, ++next), next),
    peer: (component, port) => `${component}:${port}`,
    configDir: '/cfg',
    dataDir: '/data',
    fleetLogDir: '/logs',
    ruleFiles: ['/rules/*.yml'],
    scrapeTargetsFile: '/cfg/targets.json',
    timing: HARNESS_TIMING,
    environment: 'test',
    logStore: 'victorialogs',
    traceStore: 'memory',
    hostDir: (name) => `/host/${name}`,
    secret: (name) => `secret-${name}`,
    ...overrides,
  };
}

describe('component specs', () => {
  it.each([...STACK_COMPONENTS, ...USER_IMAGE_COMPONENTS])(
    '%s binds only to the given host and renders parseable YAML',
    (name) => {
      const rendered = COMPONENT_SPECS[name].render(ctx({ bindHost: '127.0.0.1' }));
      for (const content of Object.values(rendered.files)) {
        expect(() => parse(content)).not.toThrow();
        // Nothing may listen on all interfaces in the local runner.
        expect(content).not.toMatch(/0\.0\.0\.0/);
      }
      expect(rendered.readiness.path).toMatch(/^\//);
      expect(rendered.args.join(' ')).not.toMatch(/0\.0\.0\.0/);
    },
  );

  it('runs VictoriaLogs on the given address with its data dir, answering /health', () => {
    const rendered = COMPONENT_SPECS.victorialogs.render(ctx({ port: () => 9428 }));
    expect(rendered.binary).toBe('victoria-logs');
    expect(rendered.args).toEqual(
      expect.arrayContaining([
        '-httpListenAddr=127.0.0.1:9428',
        '-storageDataPath=/data',
        '-retentionPeriod=7d',
      ]),
    );
    expect(rendered.readiness).toEqual({ port: 'http', path: '/health' });
    expect(COMPONENT_SPECS.victorialogs.containerPorts).toEqual({ http: 9428 });
    expect(COMPONENT_SPECS.victorialogs.source).toEqual({ provisioned: 'victorialogs' });
  });

  it("turns Jaeger's self-tracing off: exporting it to an absent localhost:4317 holds Jaeger's stop", () => {
    expect(COMPONENT_SPECS.jaeger.render(ctx()).env).toEqual({ OTEL_TRACES_SAMPLER: 'always_off' });
  });

  it("keeps Jaeger's traces in memory by default, or in Badger under its data directory", () => {
    const config = (traceStore: RenderContext['traceStore']) =>
      parse(COMPONENT_SPECS.jaeger.render(ctx({ traceStore })).files['jaeger.yaml'] ?? '') as {
        extensions: {
          jaeger_storage: { backends: Record<string, unknown> };
          jaeger_query: { storage: { traces: string } };
        };
        exporters: { jaeger_storage_exporter: { trace_storage: string } };
      };
    const memory = config('memory');
    expect(memory.extensions.jaeger_storage.backends).toEqual({
      traces: { memory: { max_traces: 200_000 } },
    });
    const badger = config('badger');
    expect(badger.extensions.jaeger_storage.backends).toEqual({
      traces: {
        badger: {
          directories: { keys: '/data/badger/keys', values: '/data/badger/values' },
          ephemeral: false,
          ttl: { spans: '48h' },
        },
      },
    });
    // The query API and the exporter use the one backend, whichever it is.
    for (const c of [memory, badger]) {
      expect(c.extensions.jaeger_query.storage.traces).toBe('traces');
      expect(c.exporters.jaeger_storage_exporter.trace_storage).toBe('traces');
    }
  });

  it('gives Loki and Grafana no provisioned binary: official images only', () => {
    expect(COMPONENT_SPECS.loki.source).toEqual({ userImage: 'loki' });
    expect(COMPONENT_SPECS.grafana.source).toEqual({ userImage: 'grafana' });
    expect(STACK_COMPONENTS).toEqual([
      'jaeger',
      'victorialogs',
      'prometheus',
      'alertmanager',
      'otel-collector',
    ]);
  });

  it('routes critical alerts to pagerduty and continues to the default slack receiver (the seed route tree)', () => {
    const config = parse(COMPONENT_SPECS.alertmanager.render(ctx()).files['alertmanager.yml'] ?? '') as {
      route: {
        receiver: string;
        group_by: string[];
        routes: { matchers?: string[]; receiver: string; continue?: boolean }[];
      };
      receivers: { name: string; webhook_configs: { url: string; send_resolved: boolean }[] }[];
    };
    expect(config.route.receiver).toBe('slack');
    expect(config.route.group_by).toEqual(['alertname', 'service']);
    expect(config.route.routes).toEqual([
      { matchers: ['severity="critical"'], receiver: 'pagerduty', continue: true },
      { receiver: 'slack' },
    ]);
    expect(config.receivers.map((r) => r.webhook_configs[0]?.url)).toEqual([
      'http://webhook-sink:http/hook/slack',
      'http://webhook-sink:http/hook/pagerduty',
    ]);
    expect(config.receivers.every((r) => r.webhook_configs[0]?.send_resolved)).toBe(true);
  });

  type CollectorConfig = {
    exporters: Record<
      string,
      { endpoint?: string; logs_endpoint?: string; headers?: Record<string, string>; timeout?: string }
    >;
    service: { pipelines: Record<string, { receivers: string[]; exporters: string[] }> };
  };
  const collectorConfig = (c: RenderContext) =>
    parse(COMPONENT_SPECS['otel-collector'].render(c).files['config.yaml'] ?? '') as CollectorConfig;

  it('sends traces to Jaeger over OTLP, logs to VictoriaLogs with the stream fields service and level, metrics by remote write', () => {
    const config = collectorConfig(ctx());
    expect(config.exporters['otlp_grpc/jaeger']?.endpoint).toBe('jaeger:otlp-grpc');
    // Longer than Badger's slowest store under load: a timed-out batch is retried and stored twice.
    expect(config.exporters['otlp_grpc/jaeger']?.timeout).toBe('30s');
    expect(config.exporters['otlp_http/victorialogs']).toEqual({
      logs_endpoint: 'http://victorialogs:http/insert/opentelemetry/v1/logs',
      headers: { 'VL-Stream-Fields': 'service,level' },
      tls: { insecure: true },
    });
    expect(config.exporters['otlp_http/loki']).toBeUndefined();
    expect(config.exporters.prometheus_remote_write?.endpoint).toBe('http://prometheus:http/api/v1/write');
    expect(config.service.pipelines.logs).toMatchObject({
      receivers: ['otlp', 'file_log'],
      exporters: ['otlp_http/victorialogs'],
    });
  });

  it("sends logs to Loki's /otlp when Loki is the log store", () => {
    const config = collectorConfig(ctx({ logStore: 'loki' }));
    expect(config.exporters['otlp_http/loki']?.endpoint).toBe('http://loki:http/otlp');
    expect(config.exporters['otlp_http/victorialogs']).toBeUndefined();
    expect(config.service.pipelines.logs?.exporters).toEqual(['otlp_http/loki']);
  });

  it('gives Prometheus the seed jobs it can honour, a file_sd job for the fleet and the rule files', () => {
    const config = parse(COMPONENT_SPECS.prometheus.render(ctx()).files['prometheus.yml'] ?? '') as {
      rule_files: string[];
      scrape_configs: { job_name: string; file_sd_configs?: { files: string[] }[] }[];
    };
    expect(config.rule_files).toEqual(['/rules/*.yml']);
    const jobs = config.scrape_configs.map((j) => j.job_name);
    expect(jobs).toEqual(
      expect.arrayContaining(['prometheus', 'opentelemetry-collector', 'phoenix-services']),
    );
    expect(
      config.scrape_configs.find((j) => j.job_name === 'phoenix-services')?.file_sd_configs?.[0]?.files,
    ).toEqual(['/cfg/targets.json']);
  });

  it.each(['victorialogs', 'loki'] as const)(
    'scrapes the log store (%s) under its own job name, and no other',
    (logStore) => {
      const config = parse(
        COMPONENT_SPECS.prometheus.render(ctx({ logStore })).files['prometheus.yml'] ?? '',
      ) as {
        scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[];
      };
      const other = logStore === 'loki' ? 'victorialogs' : 'loki';
      expect(config.scrape_configs.find((j) => j.job_name === logStore)?.static_configs).toEqual([
        { targets: [`${logStore}:http`] },
      ]);
      expect(config.scrape_configs.map((j) => j.job_name)).not.toContain(other);
    },
  );
});

describe('selectComponents', () => {
  it('starts the embedded set by default, with VictoriaLogs as the log store', () => {
    expect(selectComponents({}, 'local-binaries')).toEqual({
      names: ['jaeger', 'victorialogs', 'prometheus', 'alertmanager', 'otel-collector'],
      logStore: 'victorialogs',
    });
  });

  it('puts Loki in VictoriaLogs place and adds Grafana from official images', () => {
    expect(selectComponents({ logStore: 'loki', grafana: true }, 'official-images')).toEqual({
      names: ['jaeger', 'loki', 'prometheus', 'alertmanager', 'otel-collector', 'grafana'],
      logStore: 'loki',
    });
  });

  it.each(['local-binaries', 'local-images', 'auto-images'] as const)(
    'refuses Loki and Grafana from %s, saying to use official images',
    (source) => {
      for (const selection of [
        { logStore: 'loki' as const },
        { grafana: true },
        { components: ['loki' as const] },
      ]) {
        let error: unknown;
        try {
          selectComponents(selection, source);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(HarnessError);
        expect((error as HarnessError).message).toMatch(
          /^(loki|grafana) cannot run on --stack (local|docker --images (local|auto)): it is AGPL-3\.0, so the harness never builds or runs it from a local binary or image/,
        );
        expect((error as HarnessError).hint).toContain('--stack docker --images official');
      }
    },
  );
});
