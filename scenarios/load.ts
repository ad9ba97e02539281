// Load: at the planned arrival rate (RATE requests/s, weighted mix of the three flows), does the
// fleet meet every latency and error SLO for the whole run, while we record each request's trace?
//   k6 run scenarios/load.ts -e BASE_URL=http://127.0.0.1:8080 -e RATE=50 -e DURATION=5m
import { defineScenario, type SetupData } from './k6/scenario.ts';

const SCENARIO = defineScenario('load', __ENV);

export const options = SCENARIO.options;
export const setup = SCENARIO.setup;
export const handleSummary = SCENARIO.handleSummary;

export default function (data: SetupData): void {
  SCENARIO.iteration(data);
}
