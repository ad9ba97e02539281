export {
  provision,
  listProvisioned,
  requireProvisioned,
  isProvisioned,
  firstVersionLine,
  removeRetiredComponents,
} from './provision.ts';
export type { ProvisionedComponent, ListedBinary } from './provision.ts';
export { RECIPES, COMPONENT_ORDER, otelcolBuilderManifest } from './recipes.ts';
export type { ComponentRecipe } from './recipes.ts';
export { cacheRoot, componentDir, binaryPath, sourceDir, goModCache } from './cache.ts';
export {
  assertPermittedLicence,
  isForbiddenModule,
  PERMITTED_LICENCES,
  FORBIDDEN_MODULES,
} from './licence.ts';
