// Spike: when traffic jumps suddenly from RATE to 5x RATE and falls back, does the fleet survive the
// burst and recover to its SLOs at the baseline, with every request still traced?
//   k6 run scenarios/spike.ts -e BASE_URL=http://127.0.0.1:8080 -e RATE=20 -e DURATION=2m
import { defineScenario, type SetupData } from './k6/scenario.ts';

const SCENARIO = defineScenario('spike', __ENV);

export const options = SCENARIO.options;
export const setup = SCENARIO.setup;
export const handleSummary = SCENARIO.handleSummary;

export default function (data: SetupData): void {
  SCENARIO.iteration(data);
}
