/**
 * A response body as undici hands it over, chunk by chunk: a single chunk (the usual small JSON
 * answer) is kept as it is, several are joined once at the end. The load engine's client and the
 * mock services' peer client both read their answers this way.
 */
export class BodyChunks {
  private first: Buffer | undefined;
  private rest: Buffer[] | undefined;

  add(chunk: Buffer): void {
    if (this.first === undefined) this.first = chunk;
    else (this.rest ??= [this.first]).push(chunk);
  }

  /** The whole body as UTF-8 ('' when none came). */
  text(): string {
    if (this.rest !== undefined) return Buffer.concat(this.rest).toString('utf8');
    return this.first?.toString('utf8') ?? '';
  }
}
