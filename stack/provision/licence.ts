import { HarnessError } from '../../core/index.ts';

/**
 * Licences provisioning may fetch, build and run. The project's policy: no AGPL, SSPL or BUSL code
 * is fetched, built or run by anything in this repo; a licence not listed here is refused too, so a
 * new recipe must say what it is before it can build.
 */
export const PERMITTED_LICENCES: ReadonlySet<string> = new Set([
  'Apache-2.0',
  'MIT',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'ISC',
  'MPL-2.0',
]);

/** Licence families refused by name, with the reason the error gives. */
const REFUSED_FAMILIES: readonly { pattern: RegExp; name: string }[] = [
  { pattern: /^AGPL/i, name: 'the GNU Affero GPL' },
  { pattern: /^SSPL/i, name: 'the Server Side Public License' },
  { pattern: /^BUSL/i, name: 'the Business Source License' },
];

/**
 * Go modules that are AGPL-3.0: never fetched, not even as a dependency of a recipe. The harness
 * validates these programs over HTTP where the user runs them (staging, official images).
 */
export const FORBIDDEN_MODULES: readonly string[] = [
  'go.k6.io/k6',
  'github.com/grafana/grafana',
  'github.com/grafana/loki',
  'github.com/grafana/tempo',
];

export interface LicensedRecipe {
  name: string;
  version: string;
  licence: string;
  modules?: readonly string[];
}

/** True when `module` is one of FORBIDDEN_MODULES or a path below one (`…/loki/v3`, `…/grafana/apps/x`). */
export function isForbiddenModule(module: string): boolean {
  return FORBIDDEN_MODULES.some((m) => module === m || module.startsWith(`${m}/`));
}

/** Throws, naming the component and its licence, unless provisioning may build it. */
export function assertPermittedLicence(recipe: LicensedRecipe): void {
  const where = `${recipe.name} ${recipe.version}`;
  const refused = REFUSED_FAMILIES.find((f) => f.pattern.test(recipe.licence.trim()));
  if (refused) {
    throw new HarnessError(
      `refusing to provision ${where}: its licence ${recipe.licence} is ${refused.name}, which this project never fetches, builds or runs`,
      {
        hint: 'validate it where the user runs it instead (--stack external, or --stack docker --images official)',
      },
    );
  }
  if (!PERMITTED_LICENCES.has(recipe.licence.trim())) {
    throw new HarnessError(
      `refusing to provision ${where}: licence ${JSON.stringify(recipe.licence)} is not one of ${[...PERMITTED_LICENCES].join(', ')}`,
      { hint: "set the recipe's `licence` to its SPDX id after checking it, in stack/provision/recipes.ts" },
    );
  }
  const forbidden = (recipe.modules ?? []).filter(isForbiddenModule);
  if (forbidden.length > 0) {
    throw new HarnessError(
      `refusing to provision ${where}: it would fetch the AGPL module(s) ${forbidden.join(', ')}`,
      { hint: 'remove them from the recipe; the harness talks to these programs over HTTP only' },
    );
  }
}
