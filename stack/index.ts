export { STACK_VERSIONS, OTELCOL_COMPONENTS, USER_IMAGES } from './versions.ts';
export type { ComponentName, UserImageName } from './versions.ts';
export * from './provision/index.ts';
export * from './spec/index.ts';
export { startLocalStack, DEFAULT_RULE_GLOBS } from './runners/local.ts';
export type { LocalStackOptions } from './runners/local.ts';
export { startStack } from './runners/start.ts';
export { RunSecrets } from './runners/run-secrets.ts';
export type { StartStackOptions } from './runners/start.ts';
export { reapDockerOrphans, ownerLabels } from './runners/docker-cleanup.ts';
export { FLEET_CONTAINER_PORT } from './spec/prometheus.ts';
export type { DockerStackOptions, ImageSource } from './runners/docker.ts';
export type { NodeImageOptions } from './images/node-image.ts';
export {
  startDockerStack,
  ensureLocalImage,
  ensureNodeImage,
  startContainerFleet,
} from './docker-entry-points.ts';
export { FLEET_SERVICE_CONTAINER_LABEL } from './runners/docker-lease.ts';
export type {
  ContainerFleetOptions,
  ContainerFleetFault,
  ContainerServiceInfo,
  StartedContainerFleet,
} from './fleet-containers.ts';
export type { StartedStack, StartedComponent, ScrapeTargetGroup, RunnerKind } from './runners/types.ts';
export { WebhookSink } from './webhook-sink.ts';
export { startProbeTarget, StartedProbeTarget } from './probe-target.ts';
export type { ProbeTargetOptions } from './probe-target.ts';
export type { RecordedNotification, WebhookAlert } from './webhook-sink.ts';
export {
  onShutdown,
  deferSignals,
  shutdownAll,
  reapOrphans,
  liveRuns,
  isAlive,
  chooseRunsToStop,
} from './lifecycle.ts';
export { readJournals, journalDir, setRunRole } from './run-journal.ts';
export type { RunJournal, RunRole } from './run-journal.ts';
export { isSameProcess, identify } from './process-identity.ts';
export { writeRulesProfile, profileTiming, durationMapping, DRILL_TIME_SCALE } from './rules-profile.ts';
export type { RulesProfile, RulesProfileOptions } from './rules-profile.ts';
