import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The environment variable that overrides each file reporter's output path (like vitest's). */
export const OUTPUT_FILE_ENV = {
  html: 'PHX_REPORT_HTML',
  json: 'PHX_REPORT_JSON',
  junit: 'PHX_REPORT_JUNIT',
} as const;

export const DEFAULT_OUTPUT_FILE = {
  html: 'report.html',
  json: 'report.json',
  junit: 'junit.xml',
} as const;

export type FileReporterName = keyof typeof OUTPUT_FILE_ENV;

/**
 * Where a file reporter writes: the environment variable first (so CI can redirect one file
 * without touching the config), then the reporter's `outputFile` option, then `<outDir>/<default>`.
 */
export function resolveOutputFile(
  reporter: FileReporterName,
  options: {
    outputFile?: string | undefined;
    outDir: string;
    env: Readonly<Record<string, string | undefined>>;
  },
): string {
  const fromEnv = options.env[OUTPUT_FILE_ENV[reporter]];
  if (fromEnv) return resolve(fromEnv);
  if (options.outputFile) return resolve(options.outputFile);
  return resolve(join(options.outDir, DEFAULT_OUTPUT_FILE[reporter]));
}

/** Writes through a temporary file and a rename, so a reader (or a crash) never sees half a report. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, 'utf8');
  renameSync(temporary, path);
}
