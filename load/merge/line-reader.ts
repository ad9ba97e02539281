/**
 * Reads a runner's file line by line (plain or gzip, told apart by the gzip magic bytes, not the
 * name) and says how the file ended: a runner killed half way leaves a gzip stream without its
 * end, or a last line cut off mid-record. readline cannot tell either apart from a clean end, so
 * the merge uses this instead, and a truncated runner is reported rather than silently merged.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { describeError, HarnessError } from '../../core/index.ts';

/** How a file's lines ended; filled in while (and after) they are read. */
export interface LineEnding {
  gzip: boolean;
  /** Set when the file ended early: why, in words (`gzip stream ends early: unexpected end of file`). */
  truncated: string | undefined;
  /** The text after the last newline, when the file ended without one (not yielded as a line). */
  partialLastLine: string | undefined;
  lines: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/** A fresh LineEnding, to pass to readLines. */
export function lineEnding(): LineEnding {
  return { gzip: false, truncated: undefined, partialLastLine: undefined, lines: 0 };
}

/**
 * Every complete line of `path` (without its newline). A truncated gzip stream or a final line
 * without a newline is recorded in `ending` instead of thrown; a file that cannot be opened is a
 * HarnessError naming it.
 */
export async function* readLines(path: string, ending: LineEnding): AsyncGenerator<string> {
  let gzip: boolean;
  try {
    gzip = await isGzip(path);
  } catch (error) {
    throw new HarnessError(`cannot read runner output ${path}: ${describeError(error)}`, {
      where: path,
      hint: "pass the runner's raw k6 output (--out json=…) or the engine's run directory",
      cause: error,
    });
  }
  ending.gzip = gzip;
  const file = createReadStream(path);
  const stream = gzip ? file.pipe(createGunzip()) : file;
  if (gzip) file.on('error', (error) => stream.destroy(error));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = rest + decoder.write(chunk);
      let start = 0;
      for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
        const line = text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl);
        start = nl + 1;
        ending.lines += 1;
        yield line;
      }
      rest = text.slice(start);
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (!gzip || code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      throw new HarnessError(`cannot read runner output ${path}: ${describeError(error)}`, {
        where: path,
        cause: error,
      });
    }
    ending.truncated = `gzip stream ends early (${(error as Error).message})`;
  }
  rest += decoder.end();
  if (rest.trim() === '') return;
  // A complete record without its newline (a hand-written file) is a line; anything else was cut.
  if (ending.truncated === undefined && isJson(rest)) {
    ending.lines += 1;
    yield rest;
    return;
  }
  ending.partialLastLine = rest;
  ending.truncated ??= `the last line is cut off mid-record (${rest.length} characters, no newline)`;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
