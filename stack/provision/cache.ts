import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Provisioned binaries live outside the repo so every clone on a machine reuses them:
 * `$PHX_HARNESS_CACHE` or `$XDG_CACHE_HOME/phoenix-harness` or `~/.cache/phoenix-harness`.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PHX_HARNESS_CACHE) return env.PHX_HARNESS_CACHE;
  const base = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'phoenix-harness');
}

/** `<cache>/<name>-<version>/` holds `bin/` and `manifest.json`. */
export function componentDir(name: string, version: string, root = cacheRoot()): string {
  return join(root, `${name}-${version}`);
}

export function binaryPath(name: string, version: string, binary: string, root = cacheRoot()): string {
  return join(componentDir(name, version, root), 'bin', binary);
}

/** Writable copies of module sources that need `go build` in place (replace lines). */
export function sourceDir(name: string, version: string, root = cacheRoot()): string {
  return join(root, 'src', `${name}-${version}`);
}

/** The Go module cache builds use: private to the harness cache, deleted after a successful provisioning. */
export function goModCache(root = cacheRoot()): string {
  return join(root, 'go-mod');
}
