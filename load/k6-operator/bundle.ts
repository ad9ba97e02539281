/**
 * A scenario as one plain JavaScript ES module for k6 in a pod: scenarios/<name>.ts with
 * scenarios/k6/ and scenarios/lib/ bundled in (core's esbuild helper), k6's own modules left as
 * imports for k6 to resolve. The pod needs no TypeScript step and no other file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEsm, HarnessError } from '../../core/index.ts';

/** The repo's scenarios/ (one `<name>.ts` per scenario). */
export const SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));
/** k6's built-in modules: `k6`, `k6/http`, `k6/execution`… */
export const K6_MODULES = ['k6', 'k6/*'] as const;
/**
 * The syntax level of the bundle. k6 (Sobek) runs ES modules natively; esbuild lowers newer syntax
 * (`??`, `?.`, object spread…) to ES2017 so older k6 releases and their runtime also take it.
 */
export const K6_BUNDLE_TARGET = 'es2017';

/** The bundle's name in the ConfigMap and on the runners (`/test/<scenario>.js`). */
export function bundleFileName(scenario: string): string {
  return `${scenario}.js`;
}

/** Bundles `<scenariosDir>/<scenario>.ts` for k6; throws a HarnessError naming the file when it cannot. */
export async function bundleScenarioForK6(scenario: string, scenariosDir = SCENARIOS_DIR): Promise<string> {
  const entry = join(scenariosDir, `${scenario}.ts`);
  if (!existsSync(entry)) {
    throw new HarnessError(`no scenario file ${entry}`, {
      hint: 'name one of the scenarios in scenarios/ (smoke, load, stress, spike, soak)',
    });
  }
  const bundle = await bundleEsm(entry, {
    platform: 'neutral',
    target: K6_BUNDLE_TARGET,
    outfile: bundleFileName(scenario),
    external: K6_MODULES,
  });
  return new TextDecoder().decode(bundle);
}
