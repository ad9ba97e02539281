/**
 * The docker runner's entry points, loaded on first call: testcontainers (with dockerode and ssh2
 * under it) takes about 0.6 s to load, and a run on the local runner never needs it. The CLI, the
 * API and the local runner reach docker only through these (or start.ts's own dynamic import).
 */
import type * as DockerRunner from './runners/docker.ts';
import type * as LocalImage from './images/local-image.ts';
import type * as NodeImage from './images/node-image.ts';
import type * as FleetContainers from './fleet-containers.ts';

export const startDockerStack: typeof DockerRunner.startDockerStack = async (...args) =>
  (await import('./runners/docker.ts')).startDockerStack(...args);

export const ensureLocalImage: typeof LocalImage.ensureLocalImage = async (...args) =>
  (await import('./images/local-image.ts')).ensureLocalImage(...args);

export const ensureNodeImage: typeof NodeImage.ensureNodeImage = async (...args) =>
  (await import('./images/node-image.ts')).ensureNodeImage(...args);

export const startContainerFleet: typeof FleetContainers.startContainerFleet = async (...args) =>
  (await import('./fleet-containers.ts')).startContainerFleet(...args);
