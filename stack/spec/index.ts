import { alertmanagerSpec } from './alertmanager.ts';
import { grafanaSpec } from './grafana.ts';
import { jaegerSpec } from './jaeger.ts';
import { lokiSpec } from './loki.ts';
import { otelCollectorSpec } from './otel-collector.ts';
import { prometheusSpec } from './prometheus.ts';
import type { ComponentSpec, StackComponentName } from './types.ts';

export const COMPONENT_SPECS: Record<StackComponentName, ComponentSpec> = {
  jaeger: jaegerSpec,
  loki: lokiSpec,
  prometheus: prometheusSpec,
  alertmanager: alertmanagerSpec,
  'otel-collector': otelCollectorSpec,
  grafana: grafanaSpec,
};

export { STACK_COMPONENTS, PRODUCTION_TIMING, HARNESS_TIMING } from './types.ts';
export type {
  ComponentSpec,
  RenderContext,
  RenderedComponent,
  StackComponentName,
  StackTiming,
} from './types.ts';
export { alertmanagerConfig, ALERT_RECEIVERS } from './alertmanager.ts';
export type { AlertReceiver } from './alertmanager.ts';
export { otelCollectorConfig } from './otel-collector.ts';
export { GRAFANA_ADMIN_USER, grafanaBasicAuth } from './grafana.ts';
