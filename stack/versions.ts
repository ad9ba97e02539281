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
  victorialogs: {
    /** VictoriaLogs accepts the Loki push API and OTLP logs and answers LogsQL (`/select/logsql/*`). */
    version: '1.52.1',
    module: 'github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs',
    moduleVersion: 'v1.52.1',
    image: 'victoriametrics/victoria-logs:v1.52.1',
  },
} as const;

export type ComponentName = keyof typeof STACK_VERSIONS;

/**
 * Programs many Phoenix teams run that this repo never fetches, builds or runs (AGPL-3.0): the harness
 * validates them over HTTP where the user has them — a staging stack (`--stack external`), or these
 * official images pulled by the user's own Docker (`--stack docker --images official`, when the
 * config asks for them). Pinned here, in the one place image tags live.
 */
export const USER_IMAGES = {
  loki: { version: '3.7.8', image: 'grafana/loki:3.7.8', licence: 'AGPL-3.0-only' },
  grafana: { version: '12.3.1', image: 'grafana/grafana:12.3.1', licence: 'AGPL-3.0-only' },
  k6: { version: '1.8.1', image: 'grafana/k6:1.8.1', licence: 'AGPL-3.0-only' },
} as const;

export type UserImageName = keyof typeof USER_IMAGES;

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
