// The frame both simulator demos share (`npm run demo`, `npm run demo:scale`): start the model simulator,
// run one `prompt-tuner` command in a fresh workspace against it, then say what the simulator answered.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../src/cli/main';
import { startSimulator, type SimCounters, type SimulatorOptions } from '../test/sim/server';

export const ROOT = path.join(__dirname, '..');

export interface SimulatorDemo {
  /** Printed first: what the simulator plays, and that it is not a real model. */
  banner: string;
  /** Latency so the timeline visibly streams. */
  simulator: Pick<SimulatorOptions, 'latencyMs' | 'jitterMs'>;
  /** mkdtemp prefix of the throw-away workspace. */
  workspacePrefix: string;
  /** The CLI arguments, given the workspace. */
  args(workspace: string): string[];
  /** The line printed after the run, from the simulator's counters. */
  tally(counters: SimCounters, elapsedMs: number): string;
  /** Printed when the command exits 0: what happened and how to do it for real. */
  after(workspace: string): string;
}

async function run(demo: SimulatorDemo): Promise<number> {
  process.stdout.write(demo.banner);
  const sim = await startSimulator(demo.simulator);
  const ws = mkdtempSync(path.join(tmpdir(), demo.workspacePrefix));
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('Cancelled by Ctrl-C'));
  process.on('SIGINT', onSigint);
  process.stdout.write(`Simulator (not a real model) at ${sim.url}; workspace ${ws}\n\n`);
  const started = Date.now();
  try {
    const code = await runCli(demo.args(ws), {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
      cwd: ROOT,
      // Only the simulator: never a real key from the environment.
      env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'simulator-key' },
      signal: controller.signal,
    });
    process.stdout.write(`\n${demo.tally(sim.counters(), Date.now() - started)}\n`);
    if (code === 0) process.stdout.write(demo.after(ws));
    return code;
  } finally {
    process.off('SIGINT', onSigint);
    await sim.close();
  }
}

/** Runs the demo and sets the process exit code from it. */
export function runSimulatorDemo(demo: SimulatorDemo): void {
  run(demo).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`demo: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
