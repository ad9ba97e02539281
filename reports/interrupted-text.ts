import type { RunReport } from './model.ts';

type Interrupted = NonNullable<RunReport['interrupted']>;

const BY: Record<Interrupted['reason'], string> = {
  SIGINT: 'SIGINT (Ctrl-C)',
  SIGTERM: 'SIGTERM',
  deadline: 'its deadline',
  crash: 'a crash of the harness',
};

/** `run interrupted by SIGINT (Ctrl-C) during "running the smoke scenario (…)": partial results, the gate is not judged`. */
export function interruptedLine(interrupted: Interrupted): string {
  return `run interrupted by ${BY[interrupted.reason]} during "${interrupted.stage}": partial results, the gate is not judged`;
}
