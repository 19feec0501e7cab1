// Running the `prompt-tuner` CLI in tests against the model simulator: in this process through runCli (the
// test can press Ctrl-C from what it reads), or as a child process killed with SIGKILL at a chosen event.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { CliIo } from '../../src/cli/cliTypes';
import { runCli } from '../../src/cli/main';
import type { Simulator } from '../sim/server';

export const ROOT = path.join(__dirname, '..', '..');
/** The CLI's entry point, for a child process (`node --require tsx/cjs CLI_MAIN …`). */
export const CLI_MAIN = path.join(ROOT, 'src/cli/main.ts');

/** What a CLI run returned and printed. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** The env that points the openai provider at the simulator. */
export function simEnv(sim: Pick<Simulator, 'openaiBaseUrl'>): Record<string, string> {
  return { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'sim-key' };
}

/** `tune` of the travel-desk example with the simulator's openai/sim-1 as meta and target model, then `extra`. */
export function simTuneArgs(ws: string, extra: string[] = []): string[] {
  return [
    'tune',
    '--workspace',
    ws,
    '--suite',
    path.join(ROOT, 'examples/travel-desk.suite.json'),
    '--meta-model',
    'openai/sim-1',
    '--model',
    'openai/sim-1',
    '--base-prompt',
    'You are a helpful travel assistant.',
    ...extra,
  ];
}

export interface InProcessOptions {
  /** The working folder (the default workspace). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Hears every stdout write; `abort()` presses Ctrl-C. */
  onOut?: (text: string, abort: () => void) => void;
}

/** runCli in this process, with stdout and stderr collected. */
export async function runCliInProcess(args: string[], opts: InProcessOptions): Promise<CliRun> {
  const controller = new AbortController();
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => {
      out += t;
      opts.onOut?.(t, () => controller.abort(new Error('Cancelled by Ctrl-C')));
    },
    err: (t) => {
      err += t;
    },
    cwd: opts.cwd,
    env: opts.env,
    signal: controller.signal,
  };
  const code = await runCli(args, io);
  return { code, out, err };
}

/**
 * Runs `node --require tsx/cjs SCRIPT ARGS` (from the repository root), which prints one JSON event per line,
 * and kills it with SIGKILL at the first event `killAt` accepts. Resolves with that event once the process is
 * gone; rejects when the process exits before it was killed.
 */
export async function killChildAt<E>(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  killAt: (event: E) => boolean,
): Promise<E> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', script, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killedAt = await new Promise<E>((resolve, reject) => {
    let buffered = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      if (killed) return;
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const event = JSON.parse(line) as E;
        if (killAt(event)) {
          killed = true;
          child.kill('SIGKILL');
          resolve(event);
          return;
        }
      }
    });
    child.on('exit', (code) =>
      reject(new Error(`${path.basename(script)} ${args.join(' ')} exited (${code}) before it was killed: ${stderr}`)),
    );
  });
  await new Promise((r) => child.once('close', r));
  return killedAt;
}
