import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * What identifies a process beyond its pid, which the kernel reuses: its start time (field 22 of
 * `/proc/<pid>/stat`, clock ticks since boot) and its command line. Recorded in the run journal
 * when a process starts, compared before anything is signalled.
 */
export interface ProcessIdentity {
  pid: number;
  /** `/proc/<pid>/stat` field 22 (starttime, clock ticks since boot). */
  startTime: number;
  /** `/proc/<pid>/cmdline`, NULs as spaces. */
  cmdline: string;
}

/** `starttime` from the text of `/proc/<pid>/stat`; the command name (field 2) may hold spaces and parentheses. */
export function parseStartTime(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields from 3 (state) on follow the last ')': starttime, field 22, is the 20th of them.
  const value = Number(
    stat
      .slice(close + 1)
      .trim()
      .split(/\s+/)[19],
  );
  return Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** The identity of a live process now, or undefined when it is gone (or /proc cannot be read). */
export function identify(pid: number): ProcessIdentity | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const startTime = parseStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (startTime === undefined) return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    return { pid, startTime, cmdline };
  } catch {
    return undefined;
  }
}

export type IdentityVerdict =
  { same: true } | { same: false; reason: 'gone' | 'start time differs' | 'command line differs' };

/** Compares a recorded identity with the process that has that pid now (pure). */
export function compareIdentity(
  recorded: ProcessIdentity,
  now: ProcessIdentity | undefined,
): IdentityVerdict {
  if (!now) return { same: false, reason: 'gone' };
  if (now.startTime !== recorded.startTime) return { same: false, reason: 'start time differs' };
  // A process may rewrite its argv; an empty recorded command line (a zombie at record time) is not compared.
  if (recorded.cmdline && now.cmdline !== recorded.cmdline)
    return { same: false, reason: 'command line differs' };
  return { same: true };
}

/** True only when the process the journal recorded is positively the one alive under that pid now. */
export function isSameProcess(recorded: ProcessIdentity): boolean {
  return compareIdentity(recorded, identify(recorded.pid)).same;
}

/** The pid namespace of this process (`pid:[4026531836]`), so a journal written in another one is left alone. */
export function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return 'unknown';
  }
}

/** Inodes of the TCP sockets listening on a port (IPv4 and IPv6), from /proc/net/tcp{,6}. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is `ADDR:PORT` in hex; state 0A is LISTEN; field 10 is the inode.
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  return inodes;
}

/**
 * True when the process itself holds the socket listening on the port: a readiness probe that got
 * an answer from someone else's server on that port (taken between choosing and binding it) is not ours.
 */
export function listensOn(pid: number, port: number): boolean {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? '');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
