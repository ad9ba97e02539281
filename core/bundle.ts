import type * as Esbuild from 'esbuild';
import { HarnessError } from './errors.ts';

/** How to bundle one entry point into one ES module. */
export interface EsmBundleOptions {
  /** `node` for a Node program (built-ins resolved by Node), `neutral` for another runtime (k6). */
  platform: 'node' | 'neutral';
  /** esbuild's syntax target: `node20`, `es2017`… */
  target: string;
  /** The output's file name (names nothing on disk: the bundle is returned, not written). */
  outfile: string;
  /** Imports left as `import` statements for the runtime to resolve: `k6`, `k6/*`. */
  external?: readonly string[];
  /** Code put before the bundle. */
  banner?: string;
}

/**
 * Bundles `entry` and everything it imports into one ES module with esbuild (a dependency of its
 * own, also what tsx runs on). Throws a HarnessError naming the entry when it cannot be bundled.
 */
export async function bundleEsm(entry: string, options: EsmBundleOptions): Promise<Uint8Array> {
  let esbuild: typeof Esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new HarnessError(`esbuild cannot be loaded to bundle ${entry}: ${(error as Error).message}`, {
      hint: 'esbuild is a dependency of the harness: run `npm ci`',
    });
  }
  const result = await esbuild
    .build({
      entryPoints: [entry],
      bundle: true,
      platform: options.platform,
      format: 'esm',
      target: options.target,
      write: false,
      outfile: options.outfile,
      ...(options.banner === undefined ? {} : { banner: { js: options.banner } }),
      ...(options.external === undefined ? {} : { external: [...options.external] }),
      legalComments: 'none',
      logLevel: 'silent',
    })
    .catch((error: Error) => {
      throw new HarnessError(`could not bundle ${entry}: ${error.message}`, { where: entry });
    });
  const output = result.outputFiles[0];
  if (!output) throw new HarnessError(`esbuild produced no output for ${entry}`, { where: entry });
  return output.contents;
}
