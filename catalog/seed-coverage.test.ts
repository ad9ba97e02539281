import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractSeedMetricNames, parseNameList } from './fixtures/extract-seed-metric-names.ts';
import { metricByName, SEED_EXAMPLE_NAMES } from './index.ts';

const FIXTURE = new URL('./fixtures/seed-metric-names.txt', import.meta.url);
/** The seeds live next to the repository: ../shared/seeds/ from the repo root. */
const SEEDS_DIR = fileURLToPath(new URL('../../shared/seeds/', import.meta.url));
const seedsExist = existsSync(SEEDS_DIR);

const fixtureNames = parseNameList(readFileSync(FIXTURE, 'utf8'));

describe('seed coverage', () => {
  it('the fixture is a sorted, duplicate-free list of names', () => {
    expect(fixtureNames.length).toBeGreaterThan(50);
    expect(fixtureNames).toEqual([...new Set(fixtureNames)].sort());
  });

  it('every seed metric name is in the catalog or a documented seed example', () => {
    const missing = fixtureNames.filter((n) => !metricByName(n) && !Object.hasOwn(SEED_EXAMPLE_NAMES, n));
    expect(missing, `seed metrics the catalog misses: ${missing.join(', ')}`).toEqual([]);
  });

  it('every seed example is covered by a catalog metric and really is a seed name', () => {
    for (const [name, { coveredBy }] of Object.entries(SEED_EXAMPLE_NAMES)) {
      expect(metricByName(coveredBy), `${name} → ${coveredBy}`).toBeDefined();
      expect(metricByName(name), `${name} is both an example and a catalog metric`).toBeUndefined();
      expect(fixtureNames, `${name} is not in the seeds`).toContain(name);
    }
  });

  // Skipped where the seed documents are not checked out next to the repository (they are not part
  // of it); the fixture above still guards coverage there.
  it.skipIf(!seedsExist)('the fixture lists exactly the names in ../shared/seeds/*.txt', () => {
    const texts = readdirSync(SEEDS_DIR)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => readFileSync(`${SEEDS_DIR}${f}`, 'utf8'));
    const extracted = extractSeedMetricNames(texts);
    const notInFixture = extracted.filter((n) => !fixtureNames.includes(n));
    const notInSeeds = fixtureNames.filter((n) => !extracted.includes(n));
    expect(
      { notInFixture, notInSeeds },
      'rebuild it: npx tsx catalog/fixtures/extract-seed-metric-names.ts ../shared/seeds/*.txt > catalog/fixtures/seed-metric-names.txt',
    ).toEqual({ notInFixture: [], notInSeeds: [] });
  });

  it('extraction keeps histogram bases and names that merely end in _count', () => {
    const text =
      'phoenix_x_seconds_bucket{le="1"} phoenix_x_seconds phoenix_kb_search_results_count phoenix_alerts phoenix_y_count';
    expect(extractSeedMetricNames([text])).toEqual([
      'phoenix_kb_search_results_count',
      'phoenix_x_seconds',
      'phoenix_y_count',
    ]);
  });
});
