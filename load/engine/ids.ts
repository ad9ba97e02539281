/**
 * Trace and parent ids for the engine: the same as scenarios/lib/ids.ts (random W3C ids, never all
 * zeros) but Node-only and cheaper per request: random bytes come from one crypto call per 1,024
 * requests and are hex-encoded by Buffer in one go; each id is a slice of that text.
 */
import { randomFillSync } from 'node:crypto';

const BATCH = 1_024;
const BYTES_PER_ID = 24;
const HEX_PER_ID = BYTES_PER_ID * 2;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_PARENT = '0'.repeat(16);
const bytes = Buffer.allocUnsafe(BATCH * BYTES_PER_ID);
let hex = '';
let next = BATCH;

export interface TraceIds {
  traceId: string;
  parentId: string;
}

/** A fresh 32-hex trace id and 16-hex parent id. */
export function nextTraceIds(): TraceIds {
  for (;;) {
    if (next >= BATCH) {
      randomFillSync(bytes);
      hex = bytes.toString('hex');
      next = 0;
    }
    const at = next++ * HEX_PER_ID;
    const traceId = hex.slice(at, at + 32);
    const parentId = hex.slice(at + 32, at + HEX_PER_ID);
    if (traceId !== ZERO_TRACE && parentId !== ZERO_PARENT) return { traceId, parentId };
  }
}
