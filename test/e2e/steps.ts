// A tiny sequential step runner: each step prints as it passes or fails, gets a screenshot either
// way, and after a failed step that later steps build on, the rest are reported as not run.
import { join } from 'node:path';

export interface StepOptions {
  /** Later steps depend on this one: when it fails, they are not run. */
  critical?: boolean;
  /** Milliseconds before the step counts as failed. */
  timeoutMs?: number;
}

export interface StepResult {
  name: string;
  status: 'passed' | 'failed' | 'not run';
  ms: number;
  error?: string;
  screenshot?: string;
}

export class StepRunner {
  readonly results: StepResult[] = [];
  private blockedBy: string | null = null;
  /** Section of the step that blocked; setup blocks everything, a flow only the rest of itself. */
  private blockedSection = 'setup';
  private section = 'setup';
  private index = 0;

  constructor(
    private readonly resultsDir: string,
    private readonly shoot: (path: string) => Promise<void>,
  ) {}

  async step(name: string, fn: () => Promise<void | string>, options: StepOptions = {}): Promise<boolean> {
    this.index += 1;
    const slug = `${String(this.index).padStart(2, '0')}-${name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')}`;
    if (this.blockedBy) {
      this.results.push({ name, status: 'not run', ms: 0, error: `not run: "${this.blockedBy}" failed` });
      console.log(`  - NOT RUN ${name} (after "${this.blockedBy}" failed)`);
      return false;
    }
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const note = await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`timed out after ${options.timeoutMs ?? 60_000} ms`)),
            options.timeoutMs ?? 60_000,
          );
        }),
      ]);
      const ms = Date.now() - started;
      const screenshot = join(this.resultsDir, `${slug}.png`);
      await this.shoot(screenshot);
      this.results.push({ name, status: 'passed', ms, screenshot });
      console.log(`  ✔ ${name} (${ms} ms)${note ? ` — ${note}` : ''}`);
      return true;
    } catch (err) {
      const ms = Date.now() - started;
      const screenshot = join(this.resultsDir, `${slug}-FAILED.png`);
      await this.shoot(screenshot);
      const error = err instanceof Error ? err.message : String(err);
      this.results.push({ name, status: 'failed', ms, error, screenshot });
      console.log(
        `  ✘ ${name} (${ms} ms)\n      ${error.split('\n').join('\n      ')}\n      screenshot: ${screenshot}`,
      );
      if (options.critical) {
        this.blockedBy = name;
        this.blockedSection = this.section;
      }
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts an independent flow: a critical failure in an earlier flow (not in setup) no longer blocks. */
  beginSection(name: string): void {
    if (this.blockedBy && this.blockedSection !== 'setup') this.blockedBy = null;
    this.section = name;
  }

  /** Marks every later step as not run (used when the harness itself cannot go on). */
  block(reason: string): void {
    this.blockedBy = reason;
  }

  get passed(): number {
    return this.results.filter((r) => r.status === 'passed').length;
  }

  /** Failed and not-run steps: neither showed the behaviour works. */
  get failed(): number {
    return this.results.length - this.passed;
  }
}
