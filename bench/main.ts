import { describeError } from '../core/index.ts';
import { drillsBench } from './drills-bench.ts';
import { fleetBench } from './fleet-bench.ts';
import { loadBench } from './load-bench.ts';
import { loadWorkersBench } from './load-workers-bench.ts';
import { stackBench } from './stack-bench.ts';
import { validatorsBench } from './validators-bench.ts';
import { verdictBench } from './verdict-bench.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Benchmarks by name; each writes `out/bench/<name>.json` and returns its path. */
const BENCHMARKS = {
  stack: stackBench,
  drills: drillsBench,
  verdict: verdictBench,
  fleet: fleetBench,
  validators: validatorsBench,
  load: loadBench,
  'load-workers': loadWorkersBench,
} satisfies Record<string, (log: (line: string) => void) => Promise<string>>;

type BenchName = keyof typeof BENCHMARKS;

async function main(): Promise<void> {
  const requested = process.argv.slice(2);
  const names = (requested.length ? requested : Object.keys(BENCHMARKS)) as BenchName[];
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) {
    log(`unknown benchmark(s): ${unknown.join(', ')}; available: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exit(2);
  }
  for (const name of names) {
    log(`▶ bench ${name}`);
    const path = await BENCHMARKS[name](log);
    log(`  wrote ${path}`);
  }
}

main().catch((error: unknown) => {
  log(`bench: ${describeError(error)}`);
  process.exit(2);
});
