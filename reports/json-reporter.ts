import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { HarnessError } from '../core/index.ts';
import { RUN_REPORT_SCHEMA_VERSION, redactSecrets, runReportSchema, type RunReport } from './model.ts';
import { resolveOutputFile, writeFileAtomic } from './output-file.ts';
import { parseReporterOptions } from './reporter-options.ts';
import type { Reporter, ReporterContext } from './reporter-contract.ts';

export const jsonReporterOptionsSchema = z.strictObject({ outputFile: z.string().min(1).optional() });
export type JsonReporterOptions = z.input<typeof jsonReporterOptionsSchema>;

/** The report as it is written: validated, with secrets masked. */
export function serializeRunReport(report: RunReport): string {
  const valid = parseRunReport({ ...report, config: redactSecrets(report.config) }, '(run report)');
  return `${JSON.stringify(valid, null, 2)}\n`;
}

/** Writes `report.json`: the input of the next run's `--baseline` and of the `report` command. */
export function jsonReporter(options: JsonReporterOptions | undefined, context: ReporterContext): Reporter {
  const { outputFile } = parseReporterOptions(jsonReporterOptionsSchema, options);
  return {
    async onRunEnd(report) {
      const path = resolveOutputFile('json', { outputFile, outDir: context.outDir, env: context.env });
      writeFileAtomic(path, serializeRunReport(report));
      return { files: [path] };
    },
  };
}

/** "checks.3.status: …" lines for each schema issue. */
function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${field}: ${issue.message}`;
  });
}

/** Validates a parsed report; `source` names the file in errors. */
export function parseRunReport(raw: unknown, source: string): RunReport {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new HarnessError(`${source} is not a run report: expected a JSON object`, { where: source });
  }
  const version = (raw as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined) {
    throw new HarnessError(`${source} is not a run report: schemaVersion is missing`, {
      where: source,
      hint: 'pass the report.json a validate run wrote (not results.json or junit.xml)',
    });
  }
  if (typeof version === 'number' && version > RUN_REPORT_SCHEMA_VERSION) {
    throw new HarnessError(
      `${source} has schemaVersion ${version}, newer than this harness reads (${RUN_REPORT_SCHEMA_VERSION})`,
      {
        where: source,
        hint: 'update the harness, or re-run validate with this version to make a new baseline',
      },
    );
  }
  const parsed = runReportSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = describeIssues(parsed.error);
  const shown = lines.slice(0, 20).map((line) => `  - ${line}`);
  if (lines.length > shown.length) shown.push(`  - … and ${lines.length - shown.length} more`);
  throw new HarnessError(
    `${source} is not a valid run report (schemaVersion ${String(version)}):\n${shown.join('\n')}`,
    {
      where: source,
    },
  );
}

/** Reads and validates a `report.json`; errors name the file and each bad field. */
export function readRunReport(path: string): RunReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HarnessError(
      code === 'ENOENT'
        ? `run report not found: ${path}`
        : `cannot read ${path}: ${(error as Error).message}`,
      { where: path, hint: 'pass the report.json of an earlier run (out/<run-id>/report.json)' },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new HarnessError(`${path} is not JSON: ${(error as Error).message}`, { where: path });
  }
  return parseRunReport(raw, path);
}
