import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALERT_RULES } from './index.ts';
import { ALERT_SCENARIOS, alertTestFile, RULE_TESTS_DIR } from './rule-tests.ts';

/**
 * `promtool test rules` on the committed rule unit tests (stack/prometheus/rules/tests/, generated
 * by rule-tests.ts): each alert pending for its real `for:`, then firing with its labels and
 * rendered annotations; nothing firing at steady state. (validators/alert-rules-offline/ runs
 * the same tests as a check.)
 */
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROMTOOL_CANDIDATES = [
  join(
    process.env.PHX_HARNESS_CACHE ?? join(homedir(), '.cache/phoenix-harness'),
    'prometheus-2.42.0/bin/promtool',
  ),
  '/usr/bin/promtool',
];

function promtool(): string {
  const found = PROMTOOL_CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `promtool not found (looked in ${PROMTOOL_CANDIDATES.join(', ')}): run \`npm run stack:provision\``,
    );
  }
  return found;
}

describe('promtool test rules', () => {
  it('covers every alert with its own test file', () => {
    expect(ALERT_SCENARIOS.map((c) => c.alert).sort()).toEqual(ALERT_RULES.map((a) => a.alert).sort());
    for (const a of ALERT_RULES)
      expect(existsSync(join(REPO_ROOT, alertTestFile(a.alert))), a.alert).toBe(true);
  });

  it('passes: each alert fires exactly after its for:, with its annotations; none at steady state', () => {
    const dir = join(REPO_ROOT, RULE_TESTS_DIR);
    const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
    let output = '';
    try {
      output = execFileSync(promtool(), ['test', 'rules', ...files], {
        cwd: dir,
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`promtool test rules failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
    }
    expect(output.match(/SUCCESS/g)?.length).toBe(files.length);
  });
});
