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
  grafana: {
    /** `grafana --version` prints this: the release line the commit belongs to, then the commit. */
    version: '10.0.0-81d85ce8',
    module: 'github.com/grafana/grafana',
    /**
     * The only Grafana ≥ 10 root-module version the Go module proxy here serves: main-branch commit
     * 81d85ce8 of 2023-06-09 (package.json 10.0.0-preview). Release tags and every v11/v12/v13
     * pseudo-version tried are refused (403). To move on, check `<proxy>/github.com/grafana/grafana/@v/<v>.info` first.
     */
    moduleVersion: 'v1.9.2-0.20230609164553-81d85ce8028d',
    commit: '81d85ce8028dc54188e1f4482837d28f5fc7c797',
    /** The commit time, not "now", so the build is reproducible (Grafana's `main.buildstamp`). */
    buildstamp: 1686329153,
    branch: 'main',
    /** Generates pkg/server/wire_gen.go; go.mod's v0.5.0 panics with Go ≥ 1.22 and v0.6.0 does not compile. */
    wire: { module: 'github.com/google/wire/cmd/wire', version: 'v0.7.0' },
    /**
     * The official image (docker runner, `--images official`) is the closest GA release to the pinned
     * commit, which sits between 9.5.x and 10.0.0 GA: the proxy serves no release commit, so this is
     * the one place where the runners cannot run the very same build.
     */
    image: 'grafana/grafana:10.0.0',
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
