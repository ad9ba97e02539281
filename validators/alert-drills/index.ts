import { ALERT_RULES, requiredFor, type AlertRuleDef } from '../../catalog/index.ts';
import type { CheckResult } from '../../core/index.ts';
import type { ValidationContext } from '../context.ts';
import { skipped } from '../result.ts';
import { PRODUCTION_PROFILE } from './deadlines.ts';
import { drillBase, runDrill, type DrillEnv } from './drill.ts';
import { drillLanes } from './lanes.ts';
import { steadyBase, steadyState, steadyStateOverLoad } from './steady-state.ts';

/**
 * Live alert drills: for each alert the phase requires, switch its catalog trigger (a fleet fault)
 * on, see Prometheus hold the alert pending and then firing, see Alertmanager deliver it to every
 * receiver the catalog names with the catalog's labels and fully rendered annotations, switch the
 * fault off and see the resolved notification arrive. Before any fault: a steady-state watch, in
 * which no required alert may be pending or firing (the seed's alert-fatigue pitfall): over the
 * run's fault-free load when there was one (read back, no wait), else live under drill traffic.
 *
 * The parts: deadlines.ts (how long each stage may take), lanes.ts (which drills run at once),
 * expected-labels.ts (the labels the catalog promises), alert-state.ts (reading ALERTS and the
 * webhook sink), drill.ts (one drill), steady-state.ts (the watch before any fault); the
 * annotation-template matching is shared with the offline check (../alert-templates.ts).
 */

export { drillDeadlines, longestWindowMs } from './deadlines.ts';
export type { DrillDeadlines } from './deadlines.ts';
export { drillLanes } from './lanes.ts';

/** The alerts to drill: those the phase requires (catalog order), narrowed by ctx.drills.alerts. */
function drillTargets(ctx: ValidationContext): { alerts: AlertRuleDef[]; unknown: string[] } {
  const required = new Set(requiredFor(ctx.phase).alerts);
  const wanted = ctx.drills?.alerts;
  const alerts = ALERT_RULES.filter((a) => required.has(a.alert) && (!wanted || wanted.includes(a.alert)));
  const unknown = (wanted ?? []).filter((n) => !alerts.some((a) => a.alert === n));
  return { alerts, unknown };
}

export async function alertDrills(ctx: ValidationContext): Promise<CheckResult[]> {
  const { alerts, unknown } = drillTargets(ctx);
  const unknownResults = unknown.map((name) =>
    skipped(
      { id: `alerts.drill.${name}`, family: 'alerts', title: `${name} drill`, phase: ctx.phase },
      `${name} is not a catalog alert required at phase ${ctx.phase}`,
    ),
  );
  if (alerts.length === 0) return unknownResults;
  const steadyPhase = Math.min(...alerts.map((a) => a.phase));
  const skipAll = (reason: string) => [
    skipped(steadyBase(steadyPhase), reason),
    ...alerts.map((a) => skipped(drillBase(a), reason)),
    ...unknownResults,
  ];
  const { prometheus, sink } = ctx.clients;
  if (!ctx.drills) {
    return skipAll(
      'the live alert drills need ctx.drills (time profile and traffic) and ctx.fleet (fault control)',
    );
  }
  if (!prometheus) return skipAll('needs the Prometheus endpoint');
  const profile = ctx.drills.profile ?? PRODUCTION_PROFILE;
  const traffic = ctx.drills.traffic;
  const fleet = ctx.fleet;

  // The run's load, if it had no fault on (the CLI's --inject leaves its faults on until here),
  // is the steady state's "normal load with no fault": read back, it costs no wait of its own.
  const faultsOn = fleet?.listFaults ? await fleet.listFaults() : undefined;
  const load = ctx.window && faultsOn ? { ...ctx.window, faultFree: faultsOn.length === 0 } : undefined;
  if (fleet) await fleet.clearFaults();
  traffic?.start();
  try {
    const steady =
      (load && (await steadyStateOverLoad(ctx, prometheus, alerts, profile, load))) ??
      (await steadyState(ctx, prometheus, alerts, profile));
    if (!fleet || !sink) {
      const missing = !fleet
        ? 'needs fault control of the fleet (ctx.fleet): the drills inject faults'
        : 'needs the webhook sink every Alertmanager receiver delivers to';
      return [steady, ...alerts.map((a) => skipped(drillBase(a), missing)), ...unknownResults];
    }
    const env: DrillEnv = {
      ctx,
      prometheus,
      sink,
      fleet,
      profile,
      trafficNote: traffic
        ? ''
        : '; no drill traffic was provided (ctx.drills.traffic), and rate-based alerts need requests',
    };
    const lanes = drillLanes(alerts);
    const laneResults = await Promise.all(
      lanes.map(async (lane) => {
        const out: CheckResult[] = [];
        for (const alert of lane) out.push(await runDrill(env, alert));
        return out;
      }),
    );
    const byId = new Map(laneResults.flat().map((r) => [r.id, r]));
    const drills = alerts.flatMap((a) => byId.get(drillBase(a).id) ?? []);
    return [steady, ...drills, ...unknownResults];
  } finally {
    await traffic?.stop();
  }
}
