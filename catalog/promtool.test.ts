import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRuleFiles, RULE_FILES } from './index.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The provisioned promtool first (the pinned version), then Debian's. */
const PROMTOOL_CANDIDATES = [
  join(homedir(), '.cache/phoenix-harness/prometheus-2.42.0/bin/promtool'),
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

/** Runs `promtool check rules`; returns its output, or throws with it. */
function checkRules(files: string[]): string {
  try {
    return execFileSync(promtool(), ['check', 'rules', ...files], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool check rules failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

describe('promtool check rules', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'phx-rules-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('accepts the committed recording and alert rule files', () => {
    const out = checkRules([RULE_FILES.recording, RULE_FILES.alerts].map((p) => join(REPO_ROOT, p)));
    expect(out).toMatch(/SUCCESS/);
  });

  it('accepts the time-compressed profile (x1/30)', () => {
    const files = Object.entries(renderRuleFiles({ timeScale: 1 / 30 })).map(([path, content]) => {
      const file = join(tmp, path.replaceAll('/', '_'));
      writeFileSync(file, content);
      return file;
    });
    expect(checkRules(files)).toMatch(/SUCCESS/);
  });
});
