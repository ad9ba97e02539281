import { describe, expect, it } from 'vitest';
import { dashboardFileDrift } from './generate-dashboards.ts';

describe('generated dashboard files', () => {
  it('stack/grafana/dashboards/*.json equal what the catalog renders', () => {
    expect(
      dashboardFileDrift(),
      'dashboard files are stale: run `npx tsx catalog/generate-dashboards.ts`',
    ).toEqual([]);
  });
});
