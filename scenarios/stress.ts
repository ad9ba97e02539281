// Stress: above the planned rate (steps of 1x, 2x and 3x RATE), does the fleet degrade gracefully
// (slower, but still correct and traced) instead of failing wholesale, and at which step does it bend?
//   k6 run scenarios/stress.ts -e BASE_URL=http://127.0.0.1:8080 -e RATE=50 -e DURATION=6m
import { defineScenario, type SetupData } from './k6/scenario.ts';

const SCENARIO = defineScenario('stress', __ENV);

export const options = SCENARIO.options;
export const setup = SCENARIO.setup;
export const handleSummary = SCENARIO.handleSummary;

export default function (data: SetupData): void {
  SCENARIO.iteration(data);
}
