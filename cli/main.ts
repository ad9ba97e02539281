import { Command, Option } from 'commander';
import { describeError } from '../core/index.ts';
import { EXIT } from './options.ts';
import { registerFleetCommand } from './fleet-command.ts';
import { registerStackCommands } from './stack-command.ts';
import { registerValidateCommand } from './validate-command.ts';

export function buildProgram(): Command {
  const program = new Command('phx-harness')
    .description('Phoenix Observability Harness: prove, with numbers, that Phoenix telemetry works')
    .showHelpAfterError()
    .exitOverride();
  program.addOption(
    new Option('--config <file>', 'harness config file (default: ./harness.config.ts if present)'),
  );
  registerStackCommands(program);
  registerValidateCommand(program);
  registerFleetCommand(program);
  return program;
}

/** Runs the CLI and exits with 0/1/2; the bin shim and `tsx cli/main.ts` both call it. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help')
      process.exit(0);
    if (typeof code === 'string' && code.startsWith('commander.')) process.exit(EXIT.harnessError);
    process.stderr.write(`\nphx-harness: ${describeError(error)}\n`);
    process.exit(EXIT.harnessError);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli/main.ts')) {
  void main();
}
