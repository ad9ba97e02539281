/**
 * Re-records load/fixtures/ from a real k6 run of scenarios/smoke.ts against the stand-in
 * orchestrator (when k6's output format changes, say):
 *   npx tsx load/testing/record-fixtures.ts [path/to/k6]
 * SLO_P95_MS=0.001 makes the three p95 thresholds fail, so the summary also tests breach parsing.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startStandInOrchestrator } from './stand-in-orchestrator.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = 'load/fixtures';

async function main(k6Path: string): Promise<void> {
  await using orchestrator = await startStandInOrchestrator();
  const args = ['run', '--no-usage-report', '--quiet', '--address', ''];
  args.push('--out', `json=${FIXTURES}/k6-smoke-output.jsonl`);
  const env = {
    BASE_URL: orchestrator.entryUrl,
    // 2.5/s for 1 s: exactly 3 iterations (t = 0, 400, 800 ms), none on the boundary.
    DURATION: '1s',
    RATE: '2.5',
    RUN_ID: 'fixture-run',
    SLO_P95_MS: '0.001',
    SUMMARY_PATH: `${FIXTURES}/k6-smoke-summary.json`,
  };
  for (const [name, value] of Object.entries(env)) args.push('-e', `${name}=${value}`);
  args.push('scenarios/smoke.ts');
  // Exit 99 is expected: the p95 thresholds are meant to fail.
  await promisify(execFile)(k6Path, args, { cwd: REPO_ROOT }).catch(
    (error: { code?: number; stderr?: string }) => {
      if (error.code !== 99) throw new Error(`k6 exited with ${error.code}:\n${error.stderr ?? ''}`);
    },
  );
  console.log(
    `recorded ${FIXTURES}/k6-smoke-output.jsonl and ${FIXTURES}/k6-smoke-summary.json; run prettier on the summary`,
  );
}

await main(process.argv[2] ?? process.env['K6_PATH'] ?? 'k6');
