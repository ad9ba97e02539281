import { HarnessError, type TraceStore } from '../../core/index.ts';
import { STACK_VERSIONS, USER_IMAGES } from '../versions.ts';
import { alertmanagerSpec } from './alertmanager.ts';
import { grafanaSpec } from './grafana.ts';
import { jaegerSpec } from './jaeger.ts';
import { lokiSpec } from './loki.ts';
import { otelCollectorSpec } from './otel-collector.ts';
import { prometheusSpec } from './prometheus.ts';
import { STACK_COMPONENTS, type ComponentSpec, type LogStore, type StackComponentName } from './types.ts';
import { victoriaLogsSpec } from './victorialogs.ts';

export const COMPONENT_SPECS: Record<StackComponentName, ComponentSpec> = {
  jaeger: jaegerSpec,
  victorialogs: victoriaLogsSpec,
  prometheus: prometheusSpec,
  alertmanager: alertmanagerSpec,
  'otel-collector': otelCollectorSpec,
  loki: lokiSpec,
  grafana: grafanaSpec,
};

/** The pinned version of a component, whichever source it comes from. */
export function componentVersion(spec: ComponentSpec): string {
  return 'provisioned' in spec.source
    ? STACK_VERSIONS[spec.source.provisioned].version
    : USER_IMAGES[spec.source.userImage].version;
}

/** The pinned official image of a component. */
export function officialImage(spec: ComponentSpec): string {
  return 'provisioned' in spec.source
    ? STACK_VERSIONS[spec.source.provisioned].image
    : USER_IMAGES[spec.source.userImage].image;
}

/** What a runner is asked to start, besides its defaults. */
export interface StackSelection {
  /** Default `victorialogs` (embedded); `loki` only from its official image. */
  logStore?: LogStore;
  /** Jaeger's trace store: `memory` (default, the newest 200 000 traces) or `badger` (on disk, every trace). */
  traceStore?: TraceStore;
  /** Start Grafana's official image too (default false). */
  grafana?: boolean;
  /** An explicit list (tests: a partial stack); default: the embedded set, adjusted for `logStore` and `grafana`. */
  components?: readonly StackComponentName[];
}

/** How the runner obtains its programs: local binaries, or images (official, local, or official when pullable). */
export type ProgramSource = 'local-binaries' | 'official-images' | 'local-images' | 'auto-images';

/**
 * The components to start, in start order: the embedded set with the chosen log store, plus
 * Grafana when asked. Loki and Grafana are AGPL: they come only from their official images,
 * which the user's Docker pulls; any other source is refused with what to do instead.
 */
export function selectComponents(
  selection: StackSelection,
  source: ProgramSource,
): { names: StackComponentName[]; logStore: LogStore } {
  const logStore = selection.logStore ?? 'victorialogs';
  const names: StackComponentName[] = selection.components
    ? [...selection.components]
    : [
        ...STACK_COMPONENTS.map((n) => (n === 'victorialogs' ? logStore : n)),
        ...(selection.grafana ? (['grafana'] as const) : []),
      ];
  const userImages = names.filter((n) => 'userImage' in COMPONENT_SPECS[n].source);
  if (userImages.length > 0 && source !== 'official-images') {
    const how = {
      'local-binaries': '--stack local',
      'local-images': '--stack docker --images local',
      'auto-images': '--stack docker --images auto',
      'official-images': '',
    }[source];
    throw new HarnessError(
      `${userImages.join(' and ')} cannot run on ${how}: ${userImages.length > 1 ? 'they are' : 'it is'} AGPL-3.0, so the harness never builds or runs ${userImages.length > 1 ? 'them' : 'it'} from a local binary or image, only from the official image your own Docker pulls`,
      {
        hint: 'use --stack docker --images official, or --stack external --target <config> for a stack you run; or drop stack.logStore "loki" / stack.grafana to use the embedded VictoriaLogs and the harness-run dashboard checks',
      },
    );
  }
  return { names, logStore };
}

export { STACK_COMPONENTS, USER_IMAGE_COMPONENTS, PRODUCTION_TIMING, HARNESS_TIMING } from './types.ts';
export type {
  ComponentSource,
  ComponentSpec,
  EmbeddedComponentName,
  LogStore,
  RenderContext,
  RenderedComponent,
  StackComponentName,
  StackTiming,
  UserImageComponentName,
} from './types.ts';
export { alertmanagerConfig, ALERT_RECEIVERS } from './alertmanager.ts';
export type { AlertReceiver } from './alertmanager.ts';
export { otelCollectorConfig, LOG_STORE_EXPORTER, VICTORIALOGS_STREAM_FIELDS } from './otel-collector.ts';
export { GRAFANA_ADMIN_USER, grafanaBasicAuth } from './grafana.ts';
export { VICTORIALOGS_RETENTION } from './victorialogs.ts';
