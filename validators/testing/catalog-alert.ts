import { alertByName, type AlertRuleDef } from '../../catalog/index.ts';

/** The catalog's alert rule `name`; throws when the catalog has none (a test fixture error). */
export function catalogAlert(name: string): AlertRuleDef {
  const a = alertByName(name);
  if (!a) throw new Error(`no alert ${name}`);
  return a;
}
