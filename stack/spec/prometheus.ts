import { stringify } from 'yaml';
import type { ComponentSpec } from './types.ts';

/**
 * Prometheus with the seed's scrape jobs. Differences from the seed, on purpose:
 * - phoenix-services targets come from a file_sd file the harness writes (the seed's dns_sd_configs
 *   work as written only when the fleet runs as containers with those names; the docker runner uses them);
 * - node-exporter and cAdvisor jobs are left out: the harness runs neither, and a permanently
 *   down target would fail the "all targets up" check;
 * - the stack's own components are scraped too, so the pipeline checks can see drops;
 * - remote write is received (`--web.enable-remote-write-receiver`) for the Collector's metrics pipeline.
 */
export const prometheusSpec: ComponentSpec = {
  name: 'prometheus',
  provisioned: 'prometheus',
  containerPorts: { http: 9090 },
  render(ctx) {
    const config = {
      global: {
        scrape_interval: `${ctx.timing.scrapeIntervalS}s`,
        evaluation_interval: `${ctx.timing.evaluationIntervalS}s`,
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
        { job_name: 'loki', static_configs: [{ targets: [ctx.peer('loki', 'http')] }] },
        { job_name: 'jaeger', static_configs: [{ targets: [ctx.peer('jaeger', 'metrics')] }] },
        {
          job_name: 'phoenix-services',
          metrics_path: '/metrics',
          file_sd_configs: [{ files: [ctx.scrapeTargetsFile], refresh_interval: '5s' }],
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
