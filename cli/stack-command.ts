import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfig, pollUntil } from '../core/index.ts';
import {
  COMPONENT_ORDER,
  listProvisioned,
  provision,
  chooseRunsToStop,
  isSameProcess,
  journalDir,
  liveRuns,
  readJournals,
  reapDockerOrphans,
  reapOrphans,
  startStack,
  type ComponentName,
  type ImageSource,
} from '../stack/index.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

function parseComponents(value: string): ComponentName[] {
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(COMPONENT_ORDER as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown component(s) ${unknown.join(', ')}; allowed: ${COMPONENT_ORDER.join(', ')}`,
    );
  }
  return names as ComponentName[];
}

export function registerStackCommands(program: Command): void {
  const stack = program.command('stack').description('provision, start and stop the monitoring stack');

  stack
    .command('provision')
    .description('build or install the pinned stack binaries into the cache (idempotent)')
    .option('--list', 'list each component, its licence, the version its binary reports, and its path')
    .option(
      '--only <components>',
      `comma-separated subset of: ${COMPONENT_ORDER.join(', ')}`,
      parseComponents,
    )
    .action(async (options: { list?: boolean; only?: ComponentName[] }) => {
      if (options.list) {
        const rows = await listProvisioned();
        const columns = ['component', 'binary', 'pinned', 'licence', 'reported'] as const;
        const width = (k: (typeof columns)[number]) => Math.max(k.length, ...rows.map((r) => r[k].length));
        const line = (cells: Record<(typeof columns)[number], string>, path: string) =>
          `${columns.map((k) => cells[k].padEnd(width(k))).join('  ')}  ${path}`;
        const header = Object.fromEntries(columns.map((k) => [k, k])) as Record<
          (typeof columns)[number],
          string
        >;
        process.stdout.write(`${line(header, 'path')}\n`);
        for (const r of rows)
          process.stdout.write(`${line(r, r.provisioned ? r.path : '(not provisioned)')}\n`);
        process.exitCode = rows.every((r) => r.provisioned) ? 0 : 1;
        return;
      }
      await provision({ log, ...(options.only ? { components: options.only } : {}) });
      log('provisioned: run `npm run stack:provision -- --list` to see versions and paths');
    });

  stack
    .command('down')
    .description(
      'stop stacks started by `stack up` or `validate --keep` elsewhere, and remove what killed runs left behind',
    )
    .option('--run <id>', 'only this run (needed to stop a validate in progress)')
    .action(async (options: { run?: string }) => {
      const live = liveRuns();
      const { stop, spared } = chooseRunsToStop(live, options.run);
      for (const s of spared) log(`left run ${s.runId} alone: ${s.reason}`);
      if (options.run && stop.length === 0 && !readJournals().some((j) => j.runId === options.run)) {
        log(`no run ${options.run} in the journal (${journalDir()})`);
        process.exitCode = 1;
      }
      for (const run of stop) {
        // Positively identified (pid, start time, command line): the owning harness tears its stack down in order on SIGTERM.
        if (!isSameProcess(run.harness)) continue;
        process.kill(run.harness.pid, 'SIGTERM');
        log(`stopping run ${run.runId} (harness pid ${run.harness.pid})`);
      }
      const deadline = Date.now() + 30_000;
      const waiting = await pollUntil({
        description: 'runs stopped',
        probe: async () => stop.filter((r) => isSameProcess(r.harness)),
        until: (alive) => alive.length === 0,
        timeoutMs: Math.max(0, deadline - Date.now()),
      });
      if (!waiting.ok) log(`still running: ${(waiting.last ?? []).map((r) => r.runId).join(', ')}`);
      const reaped = await reapOrphans(log);
      const docker = await reapDockerOrphans(log).catch(() => ({ containers: 0, networks: 0 }));
      log(
        `${stop.length} run(s) stopped; ${reaped} orphan process group(s), ${docker.containers} container(s), ${docker.networks} network(s) removed`,
      );
    });

  stack
    .command('up')
    .description('start the stack, print its endpoints and `ready <endpoints.json>`, stay up until Ctrl-C')
    .addOption(
      new Option('--stack <runner>', 'local processes or Docker containers').choices(['local', 'docker']),
    )
    .addOption(
      new Option(
        '--images <source>',
        'docker runner: official pinned images, or local ones built from the provisioned binaries',
      ).choices(['official', 'local', 'auto']),
    )
    .action(async (options: { stack?: 'local' | 'docker'; images?: ImageSource }, command: Command) => {
      const config = await loadConfig(command.optsWithGlobals<{ config?: string }>().config);
      const started = await startStack({
        role: 'stack-up',
        runner: options.stack ?? (config.stack.runner === 'docker' ? 'docker' : 'local'),
        images: options.images ?? config.stack.images,
        outDir: config.outDir,
        startupTimeoutMs: config.stack.startupTimeoutMs,
        log,
      });
      for (const [name, url] of Object.entries(started.endpoints()))
        process.stdout.write(`${name.padEnd(28)} ${url}\n`);
      process.stdout.write(`ready ${started.endpointsFile}\n`);
      log(
        `stack ${started.runId} (${started.runner}) ready in ${started.readyMs}ms; logs under ${started.dir}; Ctrl-C to stop`,
      );
      // Stay up until a signal: the shutdown hook registered by the runner tears everything down.
      await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
    });
}
