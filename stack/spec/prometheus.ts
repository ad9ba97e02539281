import { stringify } from 'yaml';
import { SERVICE_NAMES } from '../../catalog/index.ts';
import { SERVICE_LABEL } from '../../core/index.ts';
import type { ComponentSpec, RenderContext, RenderedComponent } from './types.ts';

/** The port every service listens on in its container, as the seed's dns_sd_configs say. */
export const FLEET_CONTAINER_PORT = 8080;

/**
 * A number of seconds as a Prometheus duration: `2s`, or `500ms` for a fraction (the time-compressed
 * drill profile, stack/rules-profile.ts); Prometheus refuses `0.5s`.
 */
export function promDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * How the phoenix-services job finds the fleet: `file` = only the file_sd file the harness writes
 * (a fleet on the host); `dns` = the seed's dns_sd_configs as written (a fleet of containers named
 * after the services, on the stack's network) plus the same file_sd file for extra targets.
 */
export type FleetDiscovery = 'file' | 'dns';

/**
 * Prometheus with the seed's scrape jobs. Differences from the seed, on purpose:
 * - phoenix-services targets come from a file_sd file the harness writes (the seed's dns_sd_configs
 *   work as written only when the fleet runs as containers with those names: prometheusDockerSpec);
 * - node-exporter and cAdvisor jobs are left out: the harness runs neither, and a permanently
 *   down target would fail the "all targets up" check;
 * - the stack's own components are scraped too, so the pipeline checks can see drops;
 * - remote write is received (`--web.enable-remote-write-receiver`) for the Collector's metrics pipeline.
 */
export const prometheusSpec: ComponentSpec & {
  render(ctx: RenderContext, discovery?: FleetDiscovery): RenderedComponent;
} = {
  name: 'prometheus',
  source: { provisioned: 'prometheus' },
  containerPorts: { http: 9090 },
  render(ctx: RenderContext, discovery: FleetDiscovery = 'file') {
    const config = {
      global: {
        scrape_interval: promDuration(ctx.timing.scrapeIntervalS),
        evaluation_interval: promDuration(ctx.timing.evaluationIntervalS),
      },
      rule_files: ctx.ruleFiles,
      alerting: { alertmanagers: [{ static_configs: [{ targets: [ctx.peer('alertmanager', 'http')] }] }] },
      scrape_configs: [
        { job_name: 'prometheus', static_configs: [{ targets: [`${ctx.peer('prometheus', 'http')}`] }] },
        {
          job_name: 'opentelemetry-collector',
          static_configs: [{ targets: [ctx.peer('otel-collector', 'metrics')] }],
        },
        { job_name: 'alertmanager', static_configs: [{ targets: [ctx.peer('alertmanager', 'http')] }] },
        // The log store's own counters (ingested, dropped lines) for the pipeline checks; job = store name.
        { job_name: ctx.logStore, static_configs: [{ targets: [ctx.peer(ctx.logStore, 'http')] }] },
        { job_name: 'jaeger', static_configs: [{ targets: [ctx.peer('jaeger', 'metrics')] }] },
        phoenixServicesJob(ctx, discovery),
        // The harness's own probe targets: never in phoenix-services, whose `up` ServiceDown watches.
        {
          job_name: PROBE_JOB,
          file_sd_configs: [{ files: [probeTargetsFile(ctx.scrapeTargetsFile)], refresh_interval: '5s' }],
        },
      ],
    };
    return {
      files: { 'prometheus.yml': stringify(config) },
      binary: 'prometheus',
      args: [
        `--config.file=${ctx.configDir}/prometheus.yml`,
        `--storage.tsdb.path=${ctx.dataDir}`,
        `--web.listen-address=${ctx.bindHost}:${ctx.port('http')}`,
        '--web.enable-lifecycle',
        '--web.enable-remote-write-receiver',
        '--log.level=warn',
      ],
      readiness: { port: 'http', path: '/-/ready' },
      endpoints: { url: { port: 'http', scheme: 'http' } },
    };
  },
};

/**
 * The docker runner's Prometheus: phoenix-services also uses the seed's `dns_sd_configs` (the 14
 * names, type A, port 8080), resolved by Docker's DNS to the fleet containers' network aliases,
 * with `__meta_dns_name` copied into `phoenix_service`. The file_sd file stays on the same job for
 * targets the harness adds itself (the pipeline probe, or a fleet run on the host), so every
 * runner has one phoenix-services job for the validators and the CLI to wait on.
 */
export const prometheusDockerSpec: ComponentSpec = {
  ...prometheusSpec,
  render: (ctx) => prometheusSpec.render(ctx, 'dns'),
};

/** The scrape job of targets the harness itself exposes (the pipeline probe's metric). */
export const PROBE_JOB = 'harness-probes';

/** The probe job's file_sd file sits beside the phoenix-services one. */
export function probeTargetsFile(scrapeTargetsFile: string): string {
  return scrapeTargetsFile.replace(/[^/]+$/, 'harness-probes.json');
}

/** The phoenix-services scrape job. */
function phoenixServicesJob(ctx: RenderContext, discovery: FleetDiscovery): Record<string, unknown> {
  const fileSd = [{ files: [ctx.scrapeTargetsFile], refresh_interval: '5s' }];
  if (discovery === 'file')
    return { job_name: 'phoenix-services', metrics_path: '/metrics', file_sd_configs: fileSd };
  return {
    job_name: 'phoenix-services',
    metrics_path: '/metrics',
    dns_sd_configs: [
      {
        names: [...SERVICE_NAMES],
        type: 'A',
        port: FLEET_CONTAINER_PORT,
        // The seed keeps the default (30s); the fleet starts after Prometheus, so look again soon.
        refresh_interval: '5s',
      },
    ],
    file_sd_configs: fileSd,
    relabel_configs: [
      {
        // `(.+)`: a file_sd target has no DNS name and keeps its own phoenix_service label.
        source_labels: ['__meta_dns_name'],
        regex: '(.+)',
        target_label: SERVICE_LABEL,
        replacement: '$1',
      },
    ],
  };
}
