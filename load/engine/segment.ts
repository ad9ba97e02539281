/**
 * Execution segments, with k6's semantics, so N processes of the in-process engine (or N k6-operator
 * pods) split one schedule exactly: no iteration twice, none lost.
 *
 * k6's documentation (https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#execution-segment):
 * `--execution-segment 1/4:2/4` runs the part (1/4, 2/4] of the test; a lone value `1/4` means
 * `0:1/4`; fractions, decimals and percentages are accepted. `--execution-segment-sequence
 * 0,1/4,2/4,3/4,1` names every instance's segment, so that each computes the same striping and
 * takes disjoint iterations; without a sequence k6 fills the gaps around the one segment.
 *
 * Striping (as k6 documents it in lib/execution_segment.go): with L the least common denominator
 * of the sequence's segment lengths, each run of L consecutive global indices gives every segment
 * `length x L` of them, spread out: indices 0..L-1 go in turn to the biggest segment still "behind
 * its share" (taken x L <= index x its share), biggest segments first. Scaling an integer (VUs) counts
 * the indices below it that a segment owns, so the parts always sum to the whole.
 */

export interface Rational {
  num: number;
  den: number;
}

function gcd(a: number, b: number): number {
  let [x, y] = [Math.abs(a), Math.abs(b)];
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

function rational(num: number, den: number): Rational {
  const g = gcd(num, den) || 1;
  return { num: num / g, den: den / g };
}

const sub = (a: Rational, b: Rational): Rational => rational(a.num * b.den - b.num * a.den, a.den * b.den);
const cmp = (a: Rational, b: Rational): number => a.num * b.den - b.num * a.den;
const ZERO = rational(0, 1);
const ONE = rational(1, 1);

export class ExecutionSegmentError extends Error {
  override name = 'ExecutionSegmentError';
}

/** `1/4`, `0.25` or `25%` as an exact fraction. */
export function parseRational(text: string): Rational {
  const t = text.trim();
  let m = /^(\d+)\s*\/\s*(\d+)$/.exec(t);
  if (m) {
    const den = Number(m[2]);
    if (den === 0) throw new ExecutionSegmentError(`'${text}' divides by zero`);
    return rational(Number(m[1]), den);
  }
  m = /^(\d+)(?:\.(\d+))?(%?)$/.exec(t);
  if (!m) throw new ExecutionSegmentError(`'${text}' is not a fraction, decimal or percentage`);
  const decimals = m[2] ?? '';
  const scale = 10 ** decimals.length * (m[3] === '%' ? 100 : 1);
  return rational(Number(`${m[1]}${decimals}`), scale);
}

export interface ExecutionSegment {
  from: Rational;
  to: Rational;
}

export function formatRational(r: Rational): string {
  return r.den === 1 ? String(r.num) : `${r.num}/${r.den}`;
}

export function formatSegment(s: ExecutionSegment): string {
  return `${formatRational(s.from)}:${formatRational(s.to)}`;
}

function segment(from: Rational, to: Rational, source: string): ExecutionSegment {
  if (cmp(from, ZERO) < 0 || cmp(to, ONE) > 0 || cmp(from, to) >= 0) {
    throw new ExecutionSegmentError(`execution segment '${source}' must satisfy 0 <= from < to <= 1`);
  }
  return { from, to };
}

/** `1/4:2/4`, `25%:50%`, `0.25:0.5`, or a lone end `1/4` (= `0:1/4`); empty = the whole test. */
export function parseExecutionSegment(text: string): ExecutionSegment {
  const t = text.trim();
  if (t === '') return { from: ZERO, to: ONE };
  const [a, b] = t.includes(':') ? t.split(':', 2) : ['0', t];
  return segment(parseRational(a ?? '0'), parseRational(b ?? '1'), text);
}

/** `0,1/4,2/4,3/4,1`: consecutive segments (k6's --execution-segment-sequence). */
export function parseExecutionSegmentSequence(text: string): ExecutionSegment[] {
  const points = text.split(',').map((p) => parseRational(p));
  if (points.length < 2)
    throw new ExecutionSegmentError(`segment sequence '${text}' needs at least two points`);
  return points.slice(1).map((to, i) => segment(points[i] ?? ZERO, to, text));
}

/**
 * The sequence k6-operator gives N equal runners (`0,1/N,…,1`), inferred from a segment of length
 * 1/N that starts on a multiple of 1/N; undefined otherwise (then k6 fills the gaps around it).
 */
export function equalSplitSequence(s: ExecutionSegment): string | undefined {
  const length = sub(s.to, s.from);
  if (length.num !== 1) return undefined;
  const n = length.den;
  if ((s.from.num * n) % s.from.den !== 0 || n > 10_000) return undefined;
  return Array.from({ length: n + 1 }, (_, i) => formatRational(rational(i, n))).join(',');
}

/** The segments of N equal runners, in order (`0:1/4`, `1/4:2/4`, …, `3/4:1`), as k6-operator hands them out. */
export function equalSegments(n: number): string[] {
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new ExecutionSegmentError(
      `the number of equal segments must be an integer from 1 to 10000 (got ${n})`,
    );
  }
  return Array.from({ length: n }, (_, i) => formatSegment({ from: rational(i, n), to: rational(i + 1, n) }));
}

const same = (a: ExecutionSegment, b: ExecutionSegment): boolean =>
  cmp(a.from, b.from) === 0 && cmp(a.to, b.to) === 0;

/** A segment within its (gap-filled) sequence: the striping and scaling of k6's ExecutionTuple. */
export class ExecutionTuple {
  readonly segment: ExecutionSegment;
  readonly sequence: readonly ExecutionSegment[];
  readonly index: number;
  /** Least common denominator of the segment lengths: the striping repeats every `lcd` indices. */
  readonly lcd: number;
  /** Indices in [0, lcd) this segment owns, ascending. */
  readonly positions: readonly number[];

  constructor(segmentArg: ExecutionSegment, sequenceArg?: readonly ExecutionSegment[]) {
    const sequence = sequenceArg !== undefined && sequenceArg.length > 0 ? [...sequenceArg] : [segmentArg];
    for (let i = 1; i < sequence.length; i++) {
      if (cmp(sequence[i - 1]?.to ?? ZERO, sequence[i]?.from ?? ZERO) !== 0) {
        throw new ExecutionSegmentError('the segments of a sequence must be consecutive');
      }
    }
    const first = sequence[0];
    const last = sequence[sequence.length - 1];
    if (first && cmp(first.from, ZERO) !== 0) sequence.unshift({ from: ZERO, to: first.from });
    if (last && cmp(last.to, ONE) !== 0) sequence.push({ from: last.to, to: ONE });
    this.index = sequence.findIndex((s) => same(s, segmentArg));
    if (this.index < 0) {
      throw new ExecutionSegmentError(
        `execution segment ${formatSegment(segmentArg)} is not in the sequence ${sequence.map(formatSegment).join(' ')}`,
      );
    }
    this.segment = segmentArg;
    this.sequence = sequence;
    const lengths = sequence.map((s) => sub(s.to, s.from));
    this.lcd = lengths.reduce((acc, l) => (acc * l.den) / gcd(acc, l.den), 1);
    this.positions =
      stripe(
        lengths.map((l) => (l.num * this.lcd) / l.den),
        this.lcd,
      )[this.index] ?? [];
  }

  /** k6's ExecutionTuple.ScaleInt64: this segment's share of `value` (the shares sum to `value`). */
  scale(value: number): number {
    const whole = Math.floor(value / this.lcd) * this.positions.length;
    const rest = value % this.lcd;
    let count = 0;
    for (const p of this.positions) if (p < rest) count += 1;
    return whole + count;
  }

  /** The global (unsegmented) index of this segment's n-th item, all 0-based. */
  globalIndex(n: number): number {
    const k = this.positions.length;
    return Math.floor(n / k) * this.lcd + (this.positions[n % k] ?? 0);
  }

  /**
   * k6's GetNewExecutionTupleFromValue: the sequence re-cut so each segment's length is its share
   * of `value` (segments with none removed). Arrival-rate executors stripe their iterations by
   * the tuple of their maxVUs, so an instance without VUs gets no iterations. Undefined when this
   * segment's share is 0.
   */
  withValue(value: number): ExecutionTuple | undefined {
    if (value < 1) return undefined;
    if (value % this.lcd === 0) return this;
    const shares = this.sequence.map((_, i) =>
      new ExecutionTuple(this.sequence[i] as ExecutionSegment, this.sequence).scale(value),
    );
    if ((shares[this.index] ?? 0) === 0) return undefined;
    const cut: ExecutionSegment[] = [];
    let prev = 0;
    let mine: ExecutionSegment | undefined;
    shares.forEach((share, i) => {
      if (share === 0) return;
      const s = { from: rational(prev, value), to: rational(prev + share, value) };
      prev += share;
      cut.push(s);
      if (i === this.index) mine = s;
    });
    return mine === undefined ? undefined : new ExecutionTuple(mine, cut);
  }
}

/**
 * Deals indices 0..lcd-1 to segments of normalized sizes `sizes` (summing to lcd): each index goes
 * to the first segment, biggest first, whose next turn has come (taken x lcd <= index x size).
 */
function stripe(sizes: readonly number[], lcd: number): number[][] {
  const order = sizes
    .map((size, index) => ({ size, index }))
    .sort((a, b) => b.size - a.size || a.index - b.index);
  const taken = order.map(() => 0);
  const positions: number[][] = sizes.map(() => []);
  for (let i = 0; i < lcd; i++) {
    for (let o = 0; o < order.length; o++) {
      const entry = order[o];
      if (entry === undefined || entry.size === 0) continue;
      if ((taken[o] ?? 0) < entry.size && (taken[o] ?? 0) * lcd <= i * entry.size) {
        taken[o] = (taken[o] ?? 0) + 1;
        positions[entry.index]?.push(i);
        break;
      }
    }
  }
  return positions;
}
