/**
 * handleSummary(): summary.json for the harness (k6's data plus the run id and each threshold's
 * reason) and a readable text summary on stdout.
 */
import type { ScenarioConfig } from './config.ts';
import type { SetupData } from './setup.ts';
import { renderTextSummary, type SummaryData } from './summary-text.ts';
import type { SloThreshold } from './thresholds.ts';

/** The key handleSummary adds to k6's data, read by load/run-scenario.ts. */
export const PHOENIX_SUMMARY_KEY = 'phoenix';

export function summaryHandler(
  config: ScenarioConfig,
  thresholds: readonly SloThreshold[],
): (data: SummaryData & { setup_data?: SetupData }) => Record<string, string> {
  return (data) => {
    // setup_data is missing when setup() aborted; RUN_ID (if any) still names the run.
    const runId = data.setup_data?.runId ?? config.runId ?? 'unknown';
    const phoenix = { scenario: config.scenario, runId, baseUrl: config.baseUrl, thresholds };
    return {
      [config.summaryPath]: JSON.stringify({ ...data, [PHOENIX_SUMMARY_KEY]: phoenix }, null, 2),
      stdout: renderTextSummary(data, { ...phoenix, summaryPath: config.summaryPath }),
    };
  };
}
