import type { CheckResult } from '../../core/index.ts';
import type { ValidationContext } from '../context.ts';
import { result, skipped } from '../result.ts';
import { base } from './results.ts';
import { excerpt, output, runTool } from './tools.ts';

/** `promtool check rules` on the rule files. */

export async function checkRules(ctx: ValidationContext, ruleFiles: string[]): Promise<CheckResult> {
  const b = base('check-rules', 'The rule files pass `promtool check rules`', 1);
  const promtool = ctx.tools?.promtool;
  if (!promtool) return skipped(b, 'needs promtool (ctx.tools.promtool; the CLI passes the provisioned one)');
  const expected = 'promtool check rules: SUCCESS for every file';
  const run = await runTool(promtool, ['check', 'rules', ...ruleFiles]);
  const evidence = { ruleFiles, command: `${promtool} check rules ${ruleFiles.join(' ')}` };
  if (run.error) return result(b, 'error', { expected, observed: run.error, message: run.error, evidence });
  if (run.code === 0) {
    const counts = [...run.stdout.matchAll(/SUCCESS: (\d+) rules found/g)].map((m) => Number(m[1]));
    const total = counts.reduce((a, n) => a + n, 0);
    return result(b, 'pass', {
      expected,
      observed: `${ruleFiles.length} files, ${total} rules`,
      message: `promtool accepts ${ruleFiles.length} rule files (${total} rules)`,
      evidence,
    });
  }
  const text = output(run);
  const failing = [...text.matchAll(/Checking (\S+)\n\s*FAILED:/g)].map((m) => m[1] ?? '');
  return result(b, 'fail', {
    expected,
    observed: excerpt(text, 400),
    message: `promtool check rules rejects ${failing.length ? failing.join(', ') : 'the rule files'}: ${excerpt(run.stderr.trim() || text, 600)}`,
    evidence: { ...evidence, output: excerpt(text) },
  });
}
