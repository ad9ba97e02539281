import { stringify } from 'yaml';
import type { ComponentSpec } from './types.ts';

/**
 * Loki (AGPL-3.0: official image only, `--stack docker --images official` with `stack.logStore:
 * 'loki'`; never a local binary or image) as a single binary with filesystem storage and the TSDB v13 schema (the seed's Loki 2.7
 * boltdb setup is deprecated). OTLP ingestion needs structured metadata; `service` (copied from
 * `service.name` by the Collector) and `level` are index labels, as in the seed's Vector sink. The
 * seed also made `trace_id` a label: that is the cardinality pitfall it warns about, so trace ids
 * stay in structured metadata and the logs validator reports a `trace_id` label as a defect.
 */
export const lokiSpec: ComponentSpec = {
  name: 'loki',
  source: { userImage: 'loki' },
  containerPorts: { http: 3100, grpc: 9095 },
  render(ctx) {
    const config = {
      auth_enabled: false,
      server: {
        http_listen_address: ctx.bindHost,
        http_listen_port: ctx.port('http'),
        grpc_listen_address: ctx.bindHost,
        grpc_listen_port: ctx.port('grpc'),
        // The distributor forwards each push to the ingester over gRPC; the 4 MiB default refused
        // the Collector's full 8192-record log batches (~6 MB), so bursts were retried and lost.
        grpc_server_max_recv_msg_size: 64 * 1024 * 1024,
        grpc_server_max_send_msg_size: 64 * 1024 * 1024,
        log_level: 'warn',
      },
      common: {
        instance_addr: '127.0.0.1',
        path_prefix: ctx.dataDir,
        storage: {
          filesystem: { chunks_directory: `${ctx.dataDir}/chunks`, rules_directory: `${ctx.dataDir}/rules` },
        },
        replication_factor: 1,
        ring: { kvstore: { store: 'inmemory' } },
      },
      ingester: { lifecycler: { min_ready_duration: '0s', final_sleep: '0s' } },
      // The query frontend reports ready only once a querier worker found the scheduler; the
      // default 10s lookup period made every start take 10s. A single binary can poll faster.
      frontend: { scheduler_dns_lookup_period: '250ms' },
      frontend_worker: { dns_lookup_duration: '250ms' },
      schema_config: {
        configs: [
          {
            from: '2024-01-01',
            store: 'tsdb',
            object_store: 'filesystem',
            schema: 'v13',
            index: { prefix: 'index_', period: '24h' },
          },
        ],
      },
      limits_config: {
        allow_structured_metadata: true,
        reject_old_samples: false,
        ingestion_rate_mb: 64,
        ingestion_burst_size_mb: 128,
        per_stream_rate_limit: '64MB',
        per_stream_rate_limit_burst: '128MB',
        max_query_series: 100000,
        otlp_config: {
          resource_attributes: {
            attributes_config: [{ action: 'index_label', attributes: ['service', 'level', 'log.source'] }],
          },
        },
      },
      query_range: { results_cache: { cache: { embedded_cache: { enabled: true, max_size_mb: 50 } } } },
      analytics: { reporting_enabled: false },
    };
    return {
      files: { 'loki.yaml': stringify(config) },
      binary: 'loki',
      args: [`-config.file=${ctx.configDir}/loki.yaml`],
      readiness: { port: 'http', path: '/ready' },
      endpoints: { url: { port: 'http', scheme: 'http' } },
    };
  },
};
