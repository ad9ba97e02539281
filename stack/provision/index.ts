export {
  provision,
  listProvisioned,
  requireProvisioned,
  isProvisioned,
  firstVersionLine,
} from './provision.ts';
export type { ProvisionedComponent, ListedBinary } from './provision.ts';
export { RECIPES, COMPONENT_ORDER, otelcolBuilderManifest } from './recipes.ts';
export type { ComponentRecipe } from './recipes.ts';
export { cacheRoot, componentDir, binaryPath, sourceDir } from './cache.ts';
