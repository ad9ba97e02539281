/**
 * Random W3C trace and parent ids from k6's Web Crypto (cryptographically random per request,
 * unlike a seeded Math.random, so ids never repeat across VUs).
 */

// k6 ≥ 1.0 provides Web Crypto as a global; @types/k6 2.3 does not declare it.
declare const crypto: { getRandomValues<T extends Uint8Array>(array: T): T };

// Bytes, not a Uint16Array: k6 1.8's getRandomValues fills each element of one with a byte only.
const BYTES = new Uint8Array(24);
// 256 entries: a 65536-entry table would cost every VU megabytes of strings.
const HEX2: string[] = [];
for (let i = 0; i < 0x100; i++) HEX2.push(i.toString(16).padStart(2, '0'));

function hexOf(bytes: Uint8Array, from: number, to: number): string {
  let hex = '';
  for (let i = from; i < to; i++) hex += HEX2[bytes[i] ?? 0];
  return hex;
}

/** A fresh 32-hex trace id and 16-hex parent id (never all zeros, which W3C forbids). */
export function newTraceIds(): { traceId: string; parentId: string } {
  for (;;) {
    crypto.getRandomValues(BYTES);
    const traceId = hexOf(BYTES, 0, 16);
    const parentId = hexOf(BYTES, 16, 24);
    if (!/^0+$/.test(traceId) && !/^0+$/.test(parentId)) return { traceId, parentId };
  }
}

/** A run id for hand-run scenarios without RUN_ID: sortable time stamp plus 6 random hex digits. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
  crypto.getRandomValues(BYTES);
  return `${stamp}-${hexOf(BYTES, 0, 3)}`;
}
