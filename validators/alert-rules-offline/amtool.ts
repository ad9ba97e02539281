import { RECEIVERS_BY_SEVERITY, type Severity } from '../../catalog/index.ts';
import { forEachConcurrent, type CheckResult } from '../../core/index.ts';
import type { ValidationContext } from '../context.ts';
import { result, skipped, type ResultBase } from '../result.ts';
import { base, requiredAlerts } from './results.ts';
import { excerpt, output, runTool, TOOL_CONCURRENCY } from './tools.ts';

/** The Alertmanager config: `amtool check-config`, and `amtool config routes test` per severity and alert. */

/** An alert name for the per-severity route tests that no rule uses, so no alertname route can catch it. */
const ROUTE_PROBE_ALERT = 'PhoenixRouteProbe';

export async function alertmanagerConfigCheck(
  ctx: ValidationContext,
  configFile: string,
): Promise<CheckResult> {
  const b = base('alertmanager-config', 'The Alertmanager config passes `amtool check-config`', 1);
  const amtool = ctx.tools?.amtool;
  if (!amtool) return skipped(b, 'needs amtool (ctx.tools.amtool; the CLI passes the provisioned one)');
  const run = await runTool(amtool, ['check-config', configFile]);
  const expected = 'amtool check-config: SUCCESS';
  const evidence = { configFile, command: `${amtool} check-config ${configFile}` };
  if (run.error) return result(b, 'error', { expected, observed: run.error, message: run.error, evidence });
  if (run.code === 0) {
    const receivers = /(\d+) receivers/.exec(run.stdout)?.[1] ?? '?';
    return result(b, 'pass', {
      expected,
      observed: `valid, ${receivers} receivers`,
      message: `amtool accepts ${configFile}`,
      evidence,
    });
  }
  const text = output(run);
  return result(b, 'fail', {
    expected,
    observed: excerpt(text, 400),
    message: `amtool check-config rejects ${configFile}: ${excerpt(text, 600)}`,
    evidence: { ...evidence, output: excerpt(text) },
  });
}

/** Receivers amtool resolves for a label set (`amtool config routes test`), in route order. */
export async function resolveReceivers(
  amtool: string,
  configFile: string,
  labels: Record<string, string>,
): Promise<{ receivers: string[] } | { error: string }> {
  const args = [
    'config',
    'routes',
    'test',
    `--config.file=${configFile}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ];
  const run = await runTool(amtool, args);
  if (run.error) return { error: run.error };
  if (run.code !== 0)
    return { error: `amtool ${args.join(' ')} exited ${run.code}: ${excerpt(output(run), 400)}` };
  const line = run.stdout.trim().split('\n')[0] ?? '';
  return {
    receivers: line
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  };
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

export async function routeTests(ctx: ValidationContext, configFile: string): Promise<CheckResult[]> {
  const amtool = ctx.tools?.amtool;
  const alerts = requiredAlerts(ctx);
  const cases: {
    b: ResultBase;
    labels: Record<string, string>;
    expected: readonly string[];
    what: string;
  }[] = [
    ...(Object.keys(RECEIVERS_BY_SEVERITY) as Severity[]).map((severity) => ({
      b: base(
        `route.severity-${severity}`,
        `A ${severity} alert is routed to ${RECEIVERS_BY_SEVERITY[severity].join(' and ')}`,
        1,
      ),
      labels: { alertname: ROUTE_PROBE_ALERT, severity },
      expected: RECEIVERS_BY_SEVERITY[severity],
      what: `a ${severity} alert`,
    })),
    ...alerts.map((a) => ({
      b: base(`route.${a.alert}`, `${a.alert} is routed to ${a.receivers.join(' and ')}`, a.phase),
      labels: { alertname: a.alert, severity: a.severity, ...a.labels },
      expected: a.receivers,
      what: `alert ${a.alert}`,
    })),
  ];
  if (!amtool)
    return cases.map((c) =>
      skipped(c.b, 'needs amtool (ctx.tools.amtool; the CLI passes the provisioned one)'),
    );
  const out: CheckResult[] = new Array<CheckResult>(cases.length);
  await forEachConcurrent(cases.keys(), TOOL_CONCURRENCY, async (i) => {
    const c = cases[i];
    if (!c) return;
    const labelText = Object.entries(c.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const expected = c.expected.join(',');
    const evidence = {
      configFile,
      command: `amtool config routes test --config.file=${configFile} ${labelText}`,
    };
    const resolved = await resolveReceivers(amtool, configFile, c.labels);
    if ('error' in resolved) {
      out[i] = result(c.b, 'error', {
        expected,
        observed: resolved.error,
        message: resolved.error,
        evidence,
      });
      return;
    }
    const got = resolved.receivers.join(',') || '(none)';
    out[i] = sameSet(resolved.receivers, c.expected)
      ? result(c.b, 'pass', {
          expected,
          observed: got,
          message: `${c.what} (${labelText}) reaches ${got}`,
          evidence,
        })
      : result(c.b, 'fail', {
          expected,
          observed: got,
          message: `${c.what} (${labelText}) is routed to ${got}, expected ${expected}`,
          evidence,
        });
  });
  return out;
}
