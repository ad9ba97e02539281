import { Command, Option } from 'commander';
import { describeError } from '../core/index.ts';
import { knownSecrets, redactText } from '../reports/index.ts';
import { installCrashHandlers } from './crash.ts';
import { INTERRUPT_EXIT, InterruptedError } from './interrupt.ts';
import { EXIT } from './options.ts';
import { registerFleetCommand } from './fleet-command.ts';
import { registerK6OperatorCommand } from './k6-operator-command.ts';
import { registerLedgerCommands } from './ledger-command.ts';
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
  registerK6OperatorCommand(program);
  registerLedgerCommands(program);
  return program;
}

/** What a failed command prints: error text can quote a URL or a header, so it is redacted as the reports are. */
export function errorLine(error: unknown): string {
  return `\nphx-harness: ${redactText(describeError(error), knownSecrets())}\n`;
}

/** Runs the CLI and exits with 0/1/2; the bin shim and `tsx cli/main.ts` both call it. */
export async function main(argv: string[] = process.argv): Promise<void> {
  // An uncaught exception or unhandled rejection anywhere: tear down, then exit 2 (never 0 or 1).
  installCrashHandlers();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help')
      process.exit(0);
    if (typeof code === 'string' && code.startsWith('commander.')) process.exit(EXIT.harnessError);
    process.stderr.write(errorLine(error));
    process.exit(error instanceof InterruptedError ? INTERRUPT_EXIT[error.info.reason] : EXIT.harnessError);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli/main.ts')) {
  void main();
}
