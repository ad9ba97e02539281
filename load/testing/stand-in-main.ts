/**
 * The stand-in orchestrator as a process of its own (see stand-in-process.ts): prints
 * `ready <entryUrl>` once listening; SIGINT/SIGTERM stop it.
 *
 *   node --import tsx load/testing/stand-in-main.ts [--latency-ms N]
 */
import { parseArgs } from 'node:util';
import { startStandInOrchestrator } from './stand-in-orchestrator.ts';

const { values } = parseArgs({
  options: { 'latency-ms': { type: 'string', default: '0' } },
  strict: true,
});
const standIn = await startStandInOrchestrator({ latencyMs: Number(values['latency-ms']) });
process.stdout.write(`ready ${standIn.entryUrl}\n`);
const stop = (): void => {
  void standIn[Symbol.asyncDispose]().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
