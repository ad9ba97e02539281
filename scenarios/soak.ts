// Soak: held at the planned rate for a long time (bounded by DURATION), does the fleet stay within
// its SLOs without drift: no creeping latency, no leaks, no errors that appear only after a while?
//   k6 run scenarios/soak.ts -e BASE_URL=http://127.0.0.1:8080 -e RATE=20 -e DURATION=1h
import { defineScenario, type SetupData } from './k6/scenario.ts';

const SCENARIO = defineScenario('soak', __ENV);

export const options = SCENARIO.options;
export const setup = SCENARIO.setup;
export const handleSummary = SCENARIO.handleSummary;

export default function (data: SetupData): void {
  SCENARIO.iteration(data);
}
