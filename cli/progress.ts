import ora, { type Ora } from 'ora';

/**
 * Live progress of a validation run: a spinner with the elapsed time on a terminal, plain
 * timestamped lines otherwise (CI logs, pipes). Everything goes to stderr; stdout carries results.
 */
export class Progress {
  private readonly interactive: boolean;
  private spinner: Ora | undefined;
  private stageStarted = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly runStarted = Date.now();
  /** The stage the run is in (what an interrupted run's report says it stopped in). */
  current = 'starting';

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.interactive = Boolean(stream.isTTY) && process.env.CI !== 'true';
  }

  private elapsed(since: number): string {
    return `${((Date.now() - since) / 1000).toFixed(1)}s`;
  }

  stage(name: string): void {
    this.done();
    this.current = name;
    this.stageStarted = Date.now();
    if (this.interactive) {
      this.spinner = ora({ text: name, stream: process.stderr }).start();
      this.timer = setInterval(() => {
        if (this.spinner) this.spinner.text = `${name} (${this.elapsed(this.stageStarted)})`;
      }, 250);
      this.timer.unref();
    } else {
      process.stderr.write(`[${this.elapsed(this.runStarted).padStart(7)}] ▶ ${name}\n`);
    }
  }

  /** A detail line under the current stage. */
  info(line: string): void {
    if (this.spinner) {
      this.spinner.clear();
      process.stderr.write(`    ${line}\n`);
      this.spinner.render();
    } else {
      process.stderr.write(`            ${line}\n`);
    }
  }

  done(summary?: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.spinner) {
      this.spinner.succeed(
        `${this.spinner.text.replace(/ \([\d.]+s\)$/, '')} (${this.elapsed(this.stageStarted)})${summary ? ` — ${summary}` : ''}`,
      );
      this.spinner = undefined;
    } else if (summary) {
      process.stderr.write(`            ✓ ${summary} (${this.elapsed(this.stageStarted)})\n`);
    }
  }

  fail(message: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.spinner) this.spinner.fail(message);
    else process.stderr.write(`            ✗ ${message}\n`);
    this.spinner = undefined;
  }
}
