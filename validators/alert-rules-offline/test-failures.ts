/** Reading promtool's `test rules` output: one entry per failed expectation. */

export interface UnitTestFailure {
  file: string;
  /** The alert the failure is about; undefined for a PromQL expression test or a load error. */
  alert?: string;
  time?: string;
  /** What was expected and what came: `firing` / `not firing`, or `differs` (labels/annotations). */
  kind?: 'never-fired' | 'fired-too-early' | 'differs';
  text: string;
}

/** Splits promtool's FAILED output into one entry per failed expectation. */
export function parseTestFailures(file: string, text: string): UnitTestFailure[] {
  const failures: UnitTestFailure[] = [];
  const general: string[] = [];
  let current: UnitTestFailure | undefined;
  let inFailed = false;
  const close = () => {
    if (current?.alert) current.kind = failureKind(current.text);
    if (current) failures.push(current);
    current = undefined;
  };
  for (const line of text.split('\n')) {
    if (/^\s*FAILED:\s*$/.test(line) || /^Unit Testing:/.test(line) || /^\s*SUCCESS\s*$/.test(line)) {
      close();
      inFailed = /FAILED/.test(line);
      continue;
    }
    if (!inFailed) continue;
    const alert = /^\s*alertname: ([^,]+), time: ([^,]+),/.exec(line);
    if (alert || /^\s*expr: /.test(line)) {
      close();
      current = { file, text: line.trim(), ...(alert ? { alert: alert[1], time: alert[2] } : {}) };
    } else if (current) current.text += `\n${line}`;
    else if (line.trim()) general.push(line.trim());
  }
  close();
  if (general.length) failures.push({ file, text: general.join('\n') });
  return failures;
}

/** From promtool's `exp:[…] got:[…]`: expected firing but none came, the reverse, or a difference. */
function failureKind(text: string): NonNullable<UnitTestFailure['kind']> {
  const expNone = /exp:\s*\[\s*\]/.test(text);
  const gotNone = /got:\s*\[\s*\]/.test(text);
  if (!expNone && gotNone) return 'never-fired';
  if (expNone && !gotNone) return 'fired-too-early';
  return 'differs';
}
