// The shape every `prompt-tuner` command has, and the errors that map to exit codes.

export const EXIT = { ok: 0, failed: 1, badInput: 2, cancelled: 130 } as const;

/** Bad input: nothing was written; the message says what is wrong. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where a command writes; tests pass their own. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Current working directory (the default workspace). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Fires on Ctrl-C or SIGTERM. */
  signal: AbortSignal;
  /** Whether stderr is a terminal (progress goes there with --json/--events only then); process.stderr's when absent. */
  stderrIsTTY?: boolean;
  /** Time for the waiting lines; tests pass one so they need not wait 10 s. The system's when absent. */
  clock?: CliClock;
}

/** Now and a repeating timer, injectable. */
export interface CliClock {
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

export interface CliCommand {
  /** Words that select it, e.g. ['library', 'list']. */
  path: string[];
  /** One line for the command list. */
  summary: string;
  /** Full `--help` text (usage, options, examples). */
  help: string;
  /** Runs with the arguments after `path`; returns the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}
