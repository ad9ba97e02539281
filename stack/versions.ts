/**
 * The one place where component versions are pinned. Every runner (local processes,
 * Testcontainers with official or locally built images) uses exactly these versions:
 * what you validate is what you run.
 */
export const STACK_VERSIONS = {
  prometheus: {
    version: '2.42.0',
    /** Debian bookworm ships 2.42.0 with promtool in the same package. */
    apt: {
      package: 'prometheus',
      binaries: { prometheus: '/usr/bin/prometheus', promtool: '/usr/bin/promtool' },
    },
    image: 'prom/prometheus:v2.42.0',
  },
  alertmanager: {
    version: '0.25.0',
    apt: {
      package: 'prometheus-alertmanager',
      binaries: { alertmanager: '/usr/bin/prometheus-alertmanager', amtool: '/usr/bin/amtool' },
      /** Debian's build reads its notification templates from here; container images need them too. */
      extraFiles: [
        '/usr/share/prometheus/alertmanager/default.tmpl',
        '/usr/share/prometheus/alertmanager/email.tmpl',
      ],
    },
    image: 'prom/alertmanager:v0.25.0',
  },
  k6: {
    version: '1.8.1',
    module: 'go.k6.io/k6',
    moduleVersion: 'v1.8.1',
    image: 'grafana/k6:1.8.1',
  },
  otelcol: {
    /** The newest release whose whole dependency set the Go module proxy serves here (0.161+ lack pkg/stanza). */
    version: '0.160.0',
    builderModule: 'go.opentelemetry.io/collector/cmd/builder',
    image: 'otel/opentelemetry-collector-contrib:0.160.0',
  },
  jaeger: {
    /** Jaeger tags each release twice (v1.x / v2.x); the proxy serves the module only under the v1 tag. */
    version: '2.13.0',
    module: 'github.com/jaegertracing/jaeger',
    moduleVersion: 'v1.76.0',
    image: 'jaegertracing/jaeger:2.13.0',
  },
  loki: {
    version: '3.7.8',
    module: 'github.com/grafana/loki/v3',
    moduleVersion: 'v3.7.8',
    /**
     * Loki's go.mod replaces the nested module `pkg/push` with `./pkg/push`, which the module zip omits.
     * The proxy does not serve pkg/push at the v3.7.8 commit, so we use the version Loki's own go.mod requires.
     */
    nested: [
      {
        module: 'github.com/grafana/loki/pkg/push',
        version: 'v0.0.0-20250630054201-94c0ba7b0952',
        dir: 'pkg/push',
      },
    ],
    image: 'grafana/loki:3.7.8',
  },
} as const;

export type ComponentName = keyof typeof STACK_VERSIONS;

/** The Collector components the generated config uses, and only those (built with the OpenTelemetry Collector Builder). */
export const OTELCOL_COMPONENTS = {
  receivers: [
    'go.opentelemetry.io/collector/receiver/otlpreceiver',
    'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver',
  ],
  processors: [
    'go.opentelemetry.io/collector/processor/batchprocessor',
    'go.opentelemetry.io/collector/processor/memorylimiterprocessor',
    'github.com/open-telemetry/opentelemetry-collector-contrib/processor/resourceprocessor',
    // Promotes the log record attribute `level` to a resource attribute so Loki can index it.
    'github.com/open-telemetry/opentelemetry-collector-contrib/processor/groupbyattrsprocessor',
  ],
  exporters: [
    'go.opentelemetry.io/collector/exporter/otlpexporter',
    'go.opentelemetry.io/collector/exporter/otlphttpexporter',
    'github.com/open-telemetry/opentelemetry-collector-contrib/exporter/prometheusremotewriteexporter',
  ],
  extensions: ['github.com/open-telemetry/opentelemetry-collector-contrib/extension/healthcheckextension'],
} as const;
