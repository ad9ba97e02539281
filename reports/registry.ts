import { ConfigError, type REPORTER_NAMES } from '../core/index.ts';
import { consoleReporter } from './console-reporter.ts';
import { githubReporter } from './github-reporter.ts';
import { htmlReporter } from './html-reporter.ts';
import { jsonReporter } from './json-reporter.ts';
import { junitReporter } from './junit-reporter.ts';
import type { NamedReporter, Reporter, ReporterContext, TextOutput } from './reporter-contract.ts';

type ReporterFactory = (options: never, context: ReporterContext) => Reporter;

/**
 * Every reporter's factory, by name. The names are core's REPORTER_NAMES (what a config may list):
 * a name without a factory, or a factory without a name, does not compile.
 */
export const REPORTER_FACTORIES = {
  html: htmlReporter,
  json: jsonReporter,
  junit: junitReporter,
  console: consoleReporter,
  github: githubReporter,
} satisfies { readonly [K in (typeof REPORTER_NAMES)[number]]: ReporterFactory };

export type ReporterName = keyof typeof REPORTER_FACTORIES;
export type ReporterOptions = {
  [K in ReporterName]: NonNullable<Parameters<(typeof REPORTER_FACTORIES)[K]>[0]>;
};
/** A config entry: a name, or `[name, options]` (like vitest's and Playwright's `reporters`). */
export type ReporterEntry =
  | ReporterName
  | { [K in ReporterName]: readonly [K, ReporterOptions[K]] }[ReporterName]
  // Entries straight from harness.config.ts; the factory validates the options.
  | readonly [ReporterName, Readonly<Record<string, unknown>>];

/**
 * Builds the configured reporters. Unknown names and invalid options are configuration errors
 * (thrown before the run starts, naming the entry); everything after that is isolated.
 */
export function createReporters(
  entries: readonly ReporterEntry[],
  context: { outDir: string; env?: Readonly<Record<string, string | undefined>>; stdout?: TextOutput },
): NamedReporter[] {
  const full: ReporterContext = {
    outDir: context.outDir,
    env: context.env ?? process.env,
    stdout: context.stdout ?? process.stdout,
  };
  const seen = new Map<string, number>();
  return entries.map((entry, index) => {
    const [name, options] = typeof entry === 'string' ? [entry, undefined] : entry;
    if (!Object.hasOwn(REPORTER_FACTORIES, name)) {
      throw new ConfigError(`reporters[${index}]: unknown reporter "${String(name)}"`, {
        hint: `reporters: ${Object.keys(REPORTER_FACTORIES).join(', ')}`,
      });
    }
    const factory = REPORTER_FACTORIES[name] as (options: unknown, context: ReporterContext) => Reporter;
    let reporter: Reporter;
    try {
      reporter = factory(options, full);
    } catch (error) {
      throw new ConfigError(`reporters[${index}] (${name}): ${(error as Error).message}`, {
        hint: 'fix the reporter options in harness.config.ts (README, "Reporters")',
      });
    }
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return { name: count === 1 ? name : `${name}#${count}`, reporter };
  });
}
