import type { z } from 'zod';
import { describeConfigIssue } from '../core/index.ts';

/** Validates one reporter's options; the error names each bad field ("outputFile: …"). */
export function parseReporterOptions<S extends z.ZodType>(schema: S, options: unknown): z.output<S> {
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return parsed.data;
  throw new Error(`invalid options: ${parsed.error.issues.map(describeConfigIssue).join('; ')}`);
}
