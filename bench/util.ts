import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BENCH_DIR = join('out', 'bench');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** CPU ticks per second on Linux (`getconf CLK_TCK`). */
export const CLK_TCK = 100;

/** utime + stime of a live process, in clock ticks; undefined once it is gone. */
export function cpuTicksOf(pid: number): number | undefined {
  try {
    // Fields after the `(comm)`: state ppid … utime(12th) stime(13th).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a live process has used, in seconds; undefined once it is gone. */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  const ticks = pid === undefined ? undefined : cpuTicksOf(pid);
  return ticks === undefined ? undefined : ticks / CLK_TCK;
}

/** Peak resident set size (VmHWM) of a live process, in KiB; undefined once it is gone. */
export function peakRssKiB(pid: number): number | undefined {
  try {
    const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident set size (VmHWM) of a live process, in MiB; undefined once it is gone. */
export function peakRssMiB(pid: number | undefined): number | undefined {
  const kb = pid === undefined ? undefined : peakRssKiB(pid);
  return kb === undefined ? undefined : Math.round((kb / 1024) * 10) / 10;
}

export function writeBench(name: string, data: unknown): string {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}

export function machine(): Record<string, unknown> {
  const cpus = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 0;
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
  return { cpus, model, node: process.version, at: new Date().toISOString() };
}
