/**
 * Writes a k6-operator run's manifests as YAML for `kubectl apply -f <dir>/`, each validated against
 * its schema first (nothing is written when one is invalid), plus NEXT-STEPS.md and the collector
 * pod in `<dir>/collect/` (applied after the run: `kubectl apply -f dir/` does not recurse).
 */
import { accessSync, constants, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { HarnessError } from '../../core/index.ts';
import { validateManifest, type Manifest } from './crd-schema.ts';
import type { K6OperatorManifests } from './manifests.ts';
import { COLLECT_DIR, NEXT_STEPS_FILE } from './next-steps.ts';

/** The files, in the order `kubectl apply -f dir/` takes them (by name): script and claim before the TestRun. */
export const MANIFEST_FILES = {
  configMap: '01-script-configmap.yaml',
  resultsClaim: '02-results-pvc.yaml',
  testRun: '03-testrun.yaml',
  collector: `${COLLECT_DIR}/collector-pod.yaml`,
} as const;

/** Files kubectl reads from a directory: any of them left over would be applied with ours. */
const KUBECTL_EXTENSIONS = /\.(ya?ml|json)$/;

export function manifestYaml(manifest: Manifest): string {
  // lineWidth 0: never fold a line (the bundle is a block scalar; URLs stay whole).
  return stringify(manifest, { lineWidth: 0 });
}

/** Creates `dir` (and collect/) and checks it is writable and holds no other manifests. */
export function prepareOutDir(dir: string): void {
  const path = resolve(dir);
  try {
    mkdirSync(join(path, COLLECT_DIR), { recursive: true });
    accessSync(path, constants.W_OK);
    accessSync(join(path, COLLECT_DIR), constants.W_OK);
  } catch (error) {
    throw new HarnessError(`the output directory ${path} is not writable: ${(error as Error).message}`, {
      where: path,
      hint: 'pass --out a directory you can write to (it is created if missing)',
    });
  }
  const ours = new Set(Object.values(MANIFEST_FILES));
  const stray = [
    ...readdirSync(path).filter((f) => KUBECTL_EXTENSIONS.test(f)),
    ...readdirSync(join(path, COLLECT_DIR)).map((f) => `${COLLECT_DIR}/${f}`),
  ].filter(
    (f) => KUBECTL_EXTENSIONS.test(f) && !ours.has(f as (typeof MANIFEST_FILES)[keyof typeof MANIFEST_FILES]),
  );
  if (stray.length > 0) {
    throw new HarnessError(`${path} already holds other manifests (${stray.join(', ')})`, {
      where: path,
      hint: '`kubectl apply -f` would apply them with this run: pass --out an empty (or new) directory',
    });
  }
}

/** Validates every manifest, then writes them and NEXT-STEPS.md; returns the paths written. */
export function writeK6OperatorManifests(
  dir: string,
  manifests: K6OperatorManifests,
  nextStepsText: string,
): string[] {
  const documents = {
    configMap: validateManifest(manifests.configMap),
    resultsClaim: validateManifest(manifests.resultsClaim),
    testRun: validateManifest(manifests.testRun),
    collector: validateManifest(manifests.collector),
  };
  prepareOutDir(dir);
  const written: string[] = [];
  for (const [key, manifest] of Object.entries(documents)) {
    const path = join(resolve(dir), MANIFEST_FILES[key as keyof typeof MANIFEST_FILES]);
    writeFileSync(path, manifestYaml(manifest));
    written.push(path);
  }
  const notes = join(resolve(dir), NEXT_STEPS_FILE);
  writeFileSync(notes, nextStepsText);
  written.push(notes);
  return written;
}
