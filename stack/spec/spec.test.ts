import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMPONENT_SPECS, HARNESS_TIMING, STACK_COMPONENTS, type RenderContext } from './index.ts';

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
    homeDir: '/home',
    hostDir: (name) => `/host/${name}`,
    secret: (name) => `secret-${name}`,
    ...overrides,
  };
}

describe('component specs', () => {
  it.each(STACK_COMPONENTS)('%s binds only to the given host and renders parseable YAML', (name) => {
    const rendered = COMPONENT_SPECS[name].render(ctx({ bindHost: '127.0.0.1' }));
    for (const content of Object.values(rendered.files)) {
      expect(() => parse(content)).not.toThrow();
      // Nothing may listen on all interfaces in the local runner.
      expect(content).not.toMatch(/0\.0\.0\.0/);
    }
    expect(rendered.readiness.path).toMatch(/^\//);
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

  it('sends traces to Jaeger over OTLP, logs to Loki /otlp and metrics by remote write', () => {
    const config = parse(COMPONENT_SPECS['otel-collector'].render(ctx()).files['config.yaml'] ?? '') as {
      exporters: Record<string, { endpoint: string }>;
      service: { pipelines: Record<string, { receivers: string[]; exporters: string[] }> };
    };
    expect(config.exporters['otlp_grpc/jaeger']?.endpoint).toBe('jaeger:otlp-grpc');
    expect(config.exporters['otlp_http/loki']?.endpoint).toBe('http://loki:http/otlp');
    expect(config.exporters.prometheus_remote_write?.endpoint).toBe('http://prometheus:http/api/v1/write');
    expect(config.service.pipelines.logs?.receivers).toEqual(['otlp', 'file_log']);
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
});
