import { describe, expect, it } from 'vitest';
import { FLOWS as CATALOG_FLOWS, type FlowDef } from '../catalog/index.ts';
import { FLOWS as SCENARIO_FLOWS } from '../scenarios/lib/catalog.generated.ts';
import { renderScenarioCatalog, scenarioCatalogDrifted } from './generate-scenario-catalog.ts';

describe('scenarios/lib/catalog.generated.ts', () => {
  it('equals what the catalog renders', () => {
    expect(
      scenarioCatalogDrifted(),
      'scenarios/lib/catalog.generated.ts is stale: run `npx tsx load/generate-scenario-catalog.ts`',
    ).toBe(false);
  });

  it("carries every catalog flow's entry, weight and SLO", () => {
    expect(
      SCENARIO_FLOWS.map((f) => [f.name, f.method, f.path, f.weight, f.p95Ms, f.p99Ms, f.errorRate]),
    ).toEqual(
      CATALOG_FLOWS.map((f) => [
        f.name,
        f.entry.method,
        f.entry.path,
        f.weight,
        f.slo?.p95Ms,
        f.slo?.p99Ms,
        f.slo?.errorRate,
      ]),
    );
  });

  it('refuses a flow without an SLO, naming it', () => {
    const [first] = CATALOG_FLOWS;
    const withoutSlo = { ...first, slo: undefined } as FlowDef;
    expect(() => renderScenarioCatalog([withoutSlo])).toThrow(`catalog flow ${first?.name} has no slo`);
  });
});
