// Smoke: does every flow (plan_and_execute, kb_query, llm_generate) answer correctly, with our trace
// and correlation ids, when one VU sends a gentle trickle? Run it first, after every change.
//   k6 run scenarios/smoke.ts -e BASE_URL=http://127.0.0.1:8080
import { defineScenario, type SetupData } from './k6/scenario.ts';

const SCENARIO = defineScenario('smoke', __ENV);

export const options = SCENARIO.options;
export const setup = SCENARIO.setup;
export const handleSummary = SCENARIO.handleSummary;

export default function (data: SetupData): void {
  SCENARIO.iteration(data);
}
