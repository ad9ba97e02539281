import { HarnessError } from '../../core/index.ts';
import type { ImageSource } from './docker.ts';
import { startLocalStack, type LocalStackOptions } from './local.ts';
import type { RunnerKind, StartedStack } from './types.ts';

/**
 * `logStore` (default `victorialogs`) and `grafana` (default false) come from LocalStackOptions:
 * `logStore: 'loki'` and `grafana: true` need `runner: 'docker'` with `images: 'official'`
 * (Loki and Grafana are AGPL: never run from a local binary or image); otherwise a HarnessError
 * says what to do.
 */
export interface StartStackOptions extends LocalStackOptions {
  runner: RunnerKind;
  images?: ImageSource;
}

/** Starts the stack with the chosen runner; everything downstream only sees StartedStack. */
export async function startStack(options: StartStackOptions): Promise<StartedStack> {
  switch (options.runner) {
    case 'local':
      return startLocalStack(options);
    case 'docker': {
      // Loaded on demand: the local runner does not need testcontainers.
      const { startDockerStack } = await import('./docker.ts');
      return startDockerStack(options);
    }
    case 'external':
      throw new HarnessError('an external stack is not started by the harness', {
        hint: 'pass --target <config> to validate against it (see README, "Against staging")',
      });
  }
}
