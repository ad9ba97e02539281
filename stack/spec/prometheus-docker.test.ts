import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../../catalog/index.ts';
import { HARNESS_TIMING, type RenderContext } from './index.ts';
import { prometheusDockerSpec, prometheusSpec } from './prometheus.ts';

const ctx: RenderContext = {
  bindHost: '0.0.0.0',
  port: () => 9090,
  peer: (component, port) => `${component}:${port}`,
  configDir: '/etc/phoenix',
  dataDir: '/data',
  fleetLogDir: '/var/log/phoenix',
  ruleFiles: ['/etc/phoenix/rules/*.yml'],
  scrapeTargetsFile: '/etc/phoenix/targets/phoenix-services.json',
  timing: HARNESS_TIMING,
  environment: 'test',
  logStore: 'victorialogs',
  traceStore: 'memory',
  hostDir: (name) => `/etc/phoenix/${name}`,
  secret: (name) => `secret-${name}`,
};

type Job = Record<string, unknown> & { job_name: string };
const phoenixServices = (yml: string | undefined): Job | undefined =>
  (parse(yml ?? '') as { scrape_configs: Job[] }).scrape_configs.find(
    (j) => j.job_name === 'phoenix-services',
  );

describe("Prometheus's phoenix-services job", () => {
  it("uses the seed's dns_sd_configs in containers, naming each target by its DNS name", () => {
    const job = phoenixServices(prometheusDockerSpec.render(ctx).files['prometheus.yml']);
    expect(job?.['dns_sd_configs']).toEqual([
      { names: [...SERVICE_NAMES], type: 'A', port: 8080, refresh_interval: '5s' },
    ]);
    expect(job?.['relabel_configs']).toEqual([
      {
        source_labels: ['__meta_dns_name'],
        regex: '(.+)',
        target_label: 'phoenix_service',
        replacement: '$1',
      },
    ]);
    // Extra targets (the pipeline probe) still come from the file the harness writes.
    expect(job?.['file_sd_configs']).toEqual([
      { files: ['/etc/phoenix/targets/phoenix-services.json'], refresh_interval: '5s' },
    ]);
  });

  it('keeps file_sd only for local processes', () => {
    const job = phoenixServices(prometheusSpec.render(ctx).files['prometheus.yml']);
    expect(job?.['dns_sd_configs']).toBeUndefined();
    expect(job?.['relabel_configs']).toBeUndefined();
    expect(job?.['file_sd_configs']).toBeDefined();
  });

  it('differs from the local config in that job only', () => {
    const others = (yml: string | undefined) =>
      (parse(yml ?? '') as { scrape_configs: Job[] }).scrape_configs.filter(
        (j) => j.job_name !== 'phoenix-services',
      );
    expect(others(prometheusDockerSpec.render(ctx).files['prometheus.yml'])).toEqual(
      others(prometheusSpec.render(ctx).files['prometheus.yml']),
    );
  });
});
