import { describe, expect, it } from 'vitest';
import {
  equalSegments,
  equalSplitSequence,
  ExecutionTuple,
  formatSegment,
  parseExecutionSegment,
  parseExecutionSegmentSequence,
  parseRational,
} from './segment.ts';

const QUARTERS = parseExecutionSegmentSequence('0,1/4,2/4,3/4,1');
const tupleOf = (segment: string, sequence?: string): ExecutionTuple =>
  new ExecutionTuple(
    parseExecutionSegment(segment),
    sequence === undefined ? undefined : parseExecutionSegmentSequence(sequence),
  );

describe('execution segments as k6 parses them', () => {
  it('reads fractions, decimals and percentages, and a lone end as 0:<end>', () => {
    expect(parseRational('2/4')).toEqual({ num: 1, den: 2 });
    expect(parseRational('0.25')).toEqual({ num: 1, den: 4 });
    expect(parseRational('75%')).toEqual({ num: 3, den: 4 });
    expect(formatSegment(parseExecutionSegment('1/4:2/4'))).toBe('1/4:1/2');
    expect(formatSegment(parseExecutionSegment('25%:0.5'))).toBe('1/4:1/2');
    expect(formatSegment(parseExecutionSegment('1/3'))).toBe('0:1/3');
    expect(formatSegment(parseExecutionSegment(''))).toBe('0:1');
  });

  it('refuses a segment outside 0..1 or running backwards, naming it', () => {
    expect(() => parseExecutionSegment('3/4:1/4')).toThrow(/'3\/4:1\/4' must satisfy 0 <= from < to <= 1/);
    expect(() => parseExecutionSegment('0:5/4')).toThrow(/must satisfy/);
    expect(() => parseExecutionSegment('a:b')).toThrow(/'a' is not a fraction/);
    expect(() => tupleOf('1/3:2/3', '0,1/4,2/4,3/4,1')).toThrow(/1\/3:2\/3 is not in the sequence/);
  });

  it('infers the equal split k6-operator uses from a 1/N segment', () => {
    expect(equalSplitSequence(parseExecutionSegment('1/4:2/4'))).toBe('0,1/4,1/2,3/4,1');
    expect(equalSplitSequence(parseExecutionSegment('0:1'))).toBe('0,1');
    expect(equalSplitSequence(parseExecutionSegment('0:3/4'))).toBeUndefined();
  });

  it('hands N equal runners their segments in order, and refuses a count that is not one', () => {
    expect(equalSegments(4)).toEqual(['0:1/4', '1/4:1/2', '1/2:3/4', '3/4:1']);
    expect(equalSegments(1)).toEqual(['0:1']);
    expect(() => equalSegments(0)).toThrow(/integer from 1 to 10000 \(got 0\)/);
    expect(() => equalSegments(2.5)).toThrow(/got 2.5/);
  });
});

describe('striping: each segment owns disjoint global indices', () => {
  it('deals 0:1/2, 1/2:3/4, 3/4:1 as k6 documents it (0 2 4 … | 1 5 9 … | 3 7 11 …)', () => {
    const sequence = '0,1/2,3/4,1';
    const first = (segment: string) => {
      const tuple = tupleOf(segment, sequence);
      return Array.from({ length: 3 }, (_, n) => tuple.globalIndex(n));
    };
    expect(first('0:1/2')).toEqual([0, 2, 4]);
    expect(first('1/2:3/4')).toEqual([1, 5, 9]);
    expect(first('3/4:1')).toEqual([3, 7, 11]);
  });

  it('quarters partition 0..n-1: no overlap, no gap', () => {
    const n = 1_000;
    const seen = new Set<number>();
    let total = 0;
    for (const segment of QUARTERS) {
      const tuple = new ExecutionTuple(segment, QUARTERS);
      for (let i = 0; tuple.globalIndex(i) < n; i++) {
        seen.add(tuple.globalIndex(i));
        total += 1;
      }
    }
    expect(total).toBe(n);
    expect(seen.size).toBe(n);
  });

  it('scales integers so the shares always sum to the whole (VUs per instance)', () => {
    const thirds = parseExecutionSegmentSequence('0,1/3,2/3,1');
    for (const value of [0, 1, 2, 3, 7, 10, 100, 1_000]) {
      for (const sequence of [QUARTERS, thirds]) {
        const shares = sequence.map((s) => new ExecutionTuple(s, sequence).scale(value));
        expect(shares.reduce((a, b) => a + b, 0)).toBe(value);
      }
    }
    expect(QUARTERS.map((s) => new ExecutionTuple(s, QUARTERS).scale(2))).toEqual([1, 1, 0, 0]);
  });

  it('re-cuts the sequence by a value: an instance with no share of maxVUs gets no iterations', () => {
    const shares = QUARTERS.map((s) => new ExecutionTuple(s, QUARTERS).withValue(2));
    expect(shares.map((t) => t === undefined)).toEqual([false, false, true, true]);
    // The two that remain split every index between them.
    const [a, b] = shares;
    const owned = [0, 1, 2, 3]
      .map((n) => a?.globalIndex(n))
      .concat([0, 1, 2, 3].map((n) => b?.globalIndex(n)));
    expect(new Set(owned).size).toBe(8);
    expect(Math.max(...(owned as number[]))).toBe(7);
  });
});
