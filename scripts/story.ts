/**
 * How the demo tells what happens, apart from what it runs: numbered steps with their own durations,
 * log lines indented under them, job summaries rendered for the terminal, and a closing verdict that
 * says what ran and which expectations held. The demo drives it step by step, whatever runs a step.
 */
import { renderSummaryForTerminal } from '@slipway/cli';

export interface Expectation {
  what: string;
  held: boolean;
}

export class Story {
  private readonly started = Date.now();
  private readonly steps: { title: string; ms: number }[] = [];
  private readonly expectations: Expectation[] = [];

  constructor(
    private readonly print: (line: string) => void = (line) => console.log(line),
    private readonly columns = Math.max(60, Math.min(process.stdout.columns || 100, 140)),
  ) {}

  /** A log line of the step in progress. */
  log = (line: string): void => this.print(`  ${line}`);

  /** Runs one step under its title, then prints how long it took. */
  async step<T>(title: string, run: () => Promise<T>): Promise<T> {
    const number = this.steps.length + 1;
    this.print(`\n━━ ${number}. ${title}\n`);
    const started = Date.now();
    try {
      return await run();
    } finally {
      const ms = Date.now() - started;
      this.steps.push({ title, ms });
      this.print(`\n   step ${number} took ${seconds(ms)}`);
    }
  }

  /** A job summary as the action writes it (Markdown), rendered for the terminal. */
  summary(markdown: string): void {
    const rendered = renderSummaryForTerminal(markdown, this.columns - 2).trimEnd();
    this.print(`\n${rendered.replace(/^(?=.)/gm, '  ')}`);
  }

  /** Records whether the step behaved as it should; the verdict counts them. */
  expect(what: string, held: boolean): boolean {
    this.expectations.push({ what, held });
    this.print(`  ${held ? '✔' : '✘'} ${what}${held ? '' : ' — it did not'}`);
    return held;
  }

  /** The closing lines: what ran, and which expectations held. True when every one did. */
  verdict(): boolean {
    const failed = this.expectations.filter((expectation) => !expectation.held);
    this.print('');
    this.print(
      `Ran ${this.steps.length} steps in ${seconds(Date.now() - this.started)}: ` +
        this.steps.map((step, i) => `${i + 1}. ${step.title.split(':')[0]} ${seconds(step.ms)}`).join(', '),
    );
    this.print(
      failed.length
        ? `Verdict: ${failed.length} of ${this.expectations.length} expectations failed — ${failed.map((f) => f.what).join('; ')}.`
        : `Verdict: all ${this.expectations.length} expectations held — every step behaved as it should.`,
    );
    return failed.length === 0;
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
