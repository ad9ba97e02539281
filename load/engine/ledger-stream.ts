/**
 * The engine's ledger writer: the same ledger.jsonl as the k6 conversion in load/ledger.ts (one
 * `ledgerEntrySchema` entry per line (core/ledger.ts), same keys in the same order), each line built from a
 * template instead of JSON.stringify, and lines are written in 64 KiB chunks. `append` never
 * blocks the caller (the load must keep its schedule); a slow disk only grows the stream's buffer.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { FlowName } from '../../scenarios/index.ts';

const CHUNK_CHARS = 64 * 1024;
/** Strings that need no JSON escaping (trace ids, correlation ids from a checked RUN_ID, flow names). */
const PLAIN = /^[A-Za-z0-9._-]*$/;

/** `"text"`: the JSON string, without JSON.stringify when nothing needs escaping. */
export function jsonString(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

export class EngineLedger {
  private readonly out;
  private pending = '';
  private closed: Promise<void> | undefined;
  private failure: Error | undefined;
  records = 0;

  private constructor(readonly ledgerPath: string) {
    this.out = createWriteStream(ledgerPath);
    this.out.on('error', (error) => {
      this.failure ??= error;
    });
  }

  static async open(ledgerPath: string): Promise<EngineLedger> {
    await mkdir(dirname(resolve(ledgerPath)), { recursive: true });
    return new EngineLedger(ledgerPath);
  }

  /**
   * One record. `correlationId` and `traceId` must be JSON strings already (jsonString(), or
   * quoted plain text): the engine quotes the run-wide prefix once, not per request.
   */
  append(
    traceId: string,
    correlationIdJson: string,
    flow: FlowName,
    status: number,
    startMs: number,
    durationMs: number,
    errorCode: number | undefined,
  ): void {
    this.pending +=
      `{"traceId":"${traceId}","correlationId":${correlationIdJson},"flow":"${flow}","status":${status},` +
      `"startMs":${startMs},"durationMs":${durationMs}` +
      (errorCode === undefined ? '}\n' : `,"errorCode":${errorCode}}\n`);
    this.records += 1;
    if (this.pending.length >= CHUNK_CHARS) this.flush();
  }

  private flush(): void {
    if (this.pending === '') return;
    this.out.write(this.pending);
    this.pending = '';
  }

  /** Flushes and closes the file; safe to call more than once; rejects if a write failed. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolveEnd, reject) => {
      this.flush();
      if (this.out.destroyed) {
        reject(this.failure ?? new Error(`ledger ${this.ledgerPath} was closed`));
        return;
      }
      this.out.once('error', reject);
      this.out.end(() => (this.failure === undefined ? resolveEnd() : reject(this.failure)));
    });
    return this.closed;
  }
}
