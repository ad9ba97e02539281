/**
 * Random W3C trace and parent ids from Web Crypto (cryptographically random per request, unlike a
 * seeded Math.random, so ids never repeat across VUs). k6 and Node both provide it as a global.
 */

// k6 ≥ 1.0 and Node ≥ 19 provide Web Crypto as a global; @types/k6 2.3 does not declare it.
declare const crypto: { getRandomValues<T extends Uint8Array>(array: T): T };

// Bytes, not a Uint16Array: k6 1.8's getRandomValues fills each element of one with a byte only.
// One call fills the ids of 64 requests: the call, not the bytes, is what costs (~20 µs in Node).
const ID_BYTES = 24;
const BYTES = new Uint8Array(ID_BYTES * 64);
let offset = BYTES.length;
// 256 entries: a 65536-entry table would cost every VU megabytes of strings.
const HEX2: string[] = [];
for (let i = 0; i < 0x100; i++) HEX2.push(i.toString(16).padStart(2, '0'));

function hexOf(bytes: Uint8Array, from: number, to: number): string {
  let hex = '';
  for (let i = from; i < to; i++) hex += HEX2[bytes[i] ?? 0];
  return hex;
}

/** The next 24 unused random bytes' offset in BYTES, refilling it when spent. */
function nextRandom(): number {
  if (offset + ID_BYTES > BYTES.length) {
    crypto.getRandomValues(BYTES);
    offset = 0;
  }
  const at = offset;
  offset += ID_BYTES;
  return at;
}

/** A fresh 32-hex trace id and 16-hex parent id (never all zeros, which W3C forbids). */
export function newTraceIds(): { traceId: string; parentId: string } {
  for (;;) {
    const at = nextRandom();
    const traceId = hexOf(BYTES, at, at + 16);
    const parentId = hexOf(BYTES, at + 16, at + 24);
    if (!/^0+$/.test(traceId) && !/^0+$/.test(parentId)) return { traceId, parentId };
  }
}

/** A run id for hand-run scenarios without RUN_ID: sortable time stamp plus 6 random hex digits. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
  const at = nextRandom();
  return `${stamp}-${hexOf(BYTES, at, at + 3)}`;
}
