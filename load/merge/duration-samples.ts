/**
 * Every request's duration, kept exactly (8 bytes each, plus 3 for its runner and its verdict:
 * 1M requests ≈ 11 MB), so merged percentiles are exact rather than merged histograms.
 *
 * The percentile is the nearest rank: p(95) is the smallest duration with at least 95% of the
 * requests at or below it, so `p(95)<300` holds exactly when at least 95% answered within 300 ms,
 * as the SLOs read ("19 of 20 requests answer within …"). It is also the rank the engine's
 * HdrHistogram reports, so a single engine process agrees within HdrHistogram's error bound. k6's
 * own Trend interpolates linearly between this sample and its neighbour (`percentileInterpolated`,
 * shown beside it for comparison): the two differ by at most the gap between neighbouring samples.
 */

const INITIAL_CAPACITY = 1_024;

export class DurationSamples {
  private durations = new Float64Array(INITIAL_CAPACITY);
  private runnerOf = new Uint16Array(INITIAL_CAPACITY);
  private failedOf = new Uint8Array(INITIAL_CAPACITY);
  length = 0;

  push(durationMs: number, runner: number, failed: boolean): void {
    if (this.length === this.durations.length) this.grow();
    this.durations[this.length] = durationMs;
    this.runnerOf[this.length] = runner;
    this.failedOf[this.length] = failed ? 1 : 0;
    this.length += 1;
  }

  private grow(): void {
    const capacity = this.durations.length * 2;
    const durations = new Float64Array(capacity);
    durations.set(this.durations);
    const runnerOf = new Uint16Array(capacity);
    runnerOf.set(this.runnerOf);
    const failedOf = new Uint8Array(capacity);
    failedOf.set(this.failedOf);
    [this.durations, this.runnerOf, this.failedOf] = [durations, runnerOf, failedOf];
  }

  /** The durations of one runner (or all, with `runner` undefined), ascending: a fresh array. */
  sorted(runner?: number): Float64Array {
    if (runner === undefined) return this.durations.slice(0, this.length).sort();
    let n = 0;
    for (let i = 0; i < this.length; i++) if (this.runnerOf[i] === runner) n += 1;
    const out = new Float64Array(n);
    let j = 0;
    for (let i = 0; i < this.length; i++)
      if (this.runnerOf[i] === runner) out[j++] = this.durations[i] as number;
    return out.sort();
  }

  /** Requests and failed requests of one runner (or all). */
  counts(runner?: number): { requests: number; failed: number } {
    let requests = 0;
    let failed = 0;
    for (let i = 0; i < this.length; i++) {
      if (runner !== undefined && this.runnerOf[i] !== runner) continue;
      requests += 1;
      failed += this.failedOf[i] as number;
    }
    return { requests, failed };
  }

  /** Each sample in order, for feeding another aggregator (the HdrHistogram comparison). */
  *entries(): Generator<{ durationMs: number; runner: number; failed: boolean }> {
    for (let i = 0; i < this.length; i++) {
      yield {
        durationMs: this.durations[i] as number,
        runner: this.runnerOf[i] as number,
        failed: this.failedOf[i] === 1,
      };
    }
  }
}

/** The nearest-rank percentile (`p` in 0–100) of ascending samples: sample ceil(p/100 × n), 1-based; 0 when empty. */
export function percentile(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  // (p × n) / 100, not p / 100 × n: 95 / 100 × 100 is 95.00000000000001 in floating point.
  const rank = Math.max(1, Math.ceil((Math.min(Math.max(p, 0), 100) * n) / 100 - 1e-9));
  return sorted[Math.min(rank, n) - 1] as number;
}

/** k6's Trend percentile: linear interpolation between the closest ranks, at p/100 × (n − 1), 0-based. */
export function percentileInterpolated(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = (Math.min(Math.max(p, 0), 100) / 100) * (n - 1);
  const lo = Math.floor(rank);
  const low = sorted[lo] as number;
  return low + ((sorted[Math.ceil(rank)] as number) - low) * (rank - lo);
}

/** A trend's statistics in k6's summary names, percentiles by nearest rank (all 0 when empty, as k6). */
export function trendValues(sorted: Float64Array): Record<string, number> {
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  return {
    avg: n === 0 ? 0 : sum / n,
    min: n === 0 ? 0 : (sorted[0] as number),
    med: percentile(sorted, 50),
    max: n === 0 ? 0 : (sorted[n - 1] as number),
    'p(90)': percentile(sorted, 90),
    'p(95)': percentile(sorted, 95),
    'p(99)': percentile(sorted, 99),
  };
}
