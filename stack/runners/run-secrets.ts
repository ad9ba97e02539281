import { randomBytes } from 'node:crypto';
import { HarnessError, rememberSecret } from '../../core/index.ts';
import type { StackComponentName } from '../spec/index.ts';

/**
 * The secrets of one run (RenderContext.secret): random, made on first use, kept only in memory.
 * Also collects the headers each component asks the harness to send (RenderedComponent.clientHeaders).
 */
export class RunSecrets {
  private readonly values = new Map<string, string>();
  private readonly headers = new Map<StackComponentName, Record<string, string>>();

  /** The `secret(name)` function a component's RenderContext gets. */
  forComponent(component: StackComponentName): (name: string) => string {
    return (name) => {
      const key = `${component}/${name}`;
      let value = this.values.get(key);
      if (value === undefined) {
        value = randomBytes(24).toString('base64url');
        this.values.set(key, value);
        rememberSecret(value);
      }
      return value;
    };
  }

  setClientHeaders(component: StackComponentName, headers: Record<string, string> | undefined): void {
    if (headers && Object.keys(headers).length > 0) {
      this.headers.set(component, { ...headers });
      for (const value of Object.values(headers)) rememberSecret(value);
    }
  }

  /** Per component (keyed as in `endpoints()`), the extra headers its API needs; a copy. */
  credentials(): Record<string, Record<string, string>> {
    return Object.fromEntries([...this.headers].map(([name, h]) => [name, { ...h }]));
  }
}

/** The absolute path of one of a spec's `hostDirs`; a clear error for a name the spec did not declare. */
export function declaredHostDir(
  component: StackComponentName,
  hostDirs: Record<string, string> | undefined,
  name: string,
): string {
  const dir = hostDirs?.[name];
  if (dir === undefined) throw new HarnessError(`${component} declares no host directory "${name}"`);
  return dir;
}
