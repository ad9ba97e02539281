/**
 * The environment a child process gets: what it needs, never the whole of `process.env` (which may
 * hold tokens, cloud keys, the user's secrets). One allowlist for every spawn in the harness.
 */

/** What every child gets when set: finding programs, the home and temp directories, locale, time zone. */
const BASE: readonly (string | RegExp)[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'TMPDIR',
  'TMP',
  'TEMP',
  'LANG',
  'LANGUAGE',
  /^LC_[A-Z]+$/,
  'TZ',
];

const PROXY = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

/** Per kind of child, the variables it needs on top of BASE. */
export const CHILD_ENV_NEEDS = {
  /** A Node.js child (the load engine's process, the mock fleet): its runtime's own settings. */
  node: ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'NODE_ENV', 'FORCE_COLOR', 'NO_COLOR'],
  /** k6: its own `K6_*` settings (K6_BROWSER_…, K6_NO_USAGE_REPORT…). */
  k6: [/^K6_/, ...PROXY],
  /** Go builds at provisioning: the toolchain, its caches and the module proxy. */
  go: [
    'GOPATH',
    'GOROOT',
    'GOCACHE',
    'GOMODCACHE',
    'GOFLAGS',
    'GOPROXY',
    'GOPRIVATE',
    'GONOPROXY',
    'GONOSUMDB',
    'GOSUMDB',
    'GOINSECURE',
    'GOTOOLCHAIN',
    'GOENV',
    'GOTMPDIR',
    ...PROXY,
  ],
  /** apt-get at provisioning. */
  apt: ['DEBIAN_FRONTEND', ...PROXY],
  /** A Docker client (the `docker` CLI or a program that talks to the daemon). */
  docker: ['DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'DOCKER_CONTEXT'],
  /** OpenTelemetry SDK settings (the mock fleet reads OTEL_EXPORTER_OTLP_ENDPOINT). */
  otel: [/^OTEL_/],
} as const satisfies Record<string, readonly (string | RegExp)[]>;

export type ChildEnvNeed = keyof typeof CHILD_ENV_NEEDS;

/**
 * The environment for a child: BASE plus each need's variables, taken from `from` (default
 * `process.env`) when set, then `extra` on top (a child's own settings, e.g. GOMODCACHE or a
 * secret it alone needs). Anything else in the parent's environment stays out.
 */
export function childEnv(
  needs: readonly ChildEnvNeed[] = [],
  extra: Readonly<Record<string, string | undefined>> = {},
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const allowed = [...BASE, ...needs.flatMap((n) => CHILD_ENV_NEEDS[n])];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(from)) {
    if (value === undefined) continue;
    if (allowed.some((a) => (typeof a === 'string' ? a === name : a.test(name)))) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
