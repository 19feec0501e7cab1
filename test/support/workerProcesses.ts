// `prompt-tuner optimize worker` child processes for tests: spawned from the repository's sources, their --json
// lines read as events, with a wait for an event, signals, and the exit; plus the checks every shared-store
// test makes on a finished run (each rollout succeeded exactly once).
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import type { RolloutStore } from '../../src/core/optimize/types';
import type { WorkerStats } from '../../src/core/optimize/worker';
import { CLI_MAIN, ROOT } from './cliHarness';
import { onLines } from './childLines';

/** What `optimize worker --json` prints (one object a line). */
export type WorkerLine =
  | { type: 'worker_start'; store: string; model: string; host: string; pid: number; worker_ids: string[] }
  | {
      type: 'claim' | 'rollout_end';
      worker_id: string;
      run_id: string;
      rollout_id: string;
      attempt_id: string;
      outcome?: 'succeeded' | 'failed' | 'lost';
    }
  | { type: 'watchdog'; actions: unknown[] }
  | { type: 'store_outage'; worker_id: string | null; state: 'down' | 'up'; call: string; message: string | null }
  | { type: 'stopping'; in_flight: number }
  | { type: 'worker_stop'; workers: WorkerStats[]; error: string | null };

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  lines: WorkerLine[];
  stderr: () => string;
  /** The first line (seen already or to come) that `match` accepts; rejects on exit or after timeoutMs. */
  waitFor(match: (l: WorkerLine) => boolean, what: string, timeoutMs?: number): Promise<WorkerLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Attempts it claimed that it has not reported ended. */
  inFlight(): string[];
}

/** Spawns `optimize worker --json` on the store (path or URL) with the simulator's env. */
export function spawnWorker(store: string, env: NodeJS.ProcessEnv, extra: string[] = []): WorkerProcess {
  const args = [
    '--require',
    'tsx/cjs',
    CLI_MAIN,
    'optimize',
    'worker',
    '--store',
    store,
    '--model',
    'openai/sim-1',
    '--json',
    ...extra,
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: WorkerLine[] = [];
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const waiters = new Set<() => void>();
  onLines(child.stdout, (line) => {
    if (line.trim() === '') return;
    try {
      lines.push(JSON.parse(line) as WorkerLine);
    } catch {
      err += `(not JSON on stdout) ${line}\n`;
    }
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const w of [...waiters]) w();
  });
  const waitFor = (match: (l: WorkerLine) => boolean, what: string, timeoutMs = 60_000) =>
    new Promise<WorkerLine>((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found) {
          done();
          resolve(found);
        } else if (hasExited) {
          done();
          reject(new Error(`worker ${child.pid} exited before ${what}: ${err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what} from worker ${child.pid}: ${err}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    child,
    pid: child.pid!,
    lines,
    stderr: () => err,
    waitFor,
    exited,
    inFlight: () => {
      const ended = new Set(
        lines.filter((l) => l.type === 'rollout_end').map((l) => (l as { attempt_id: string }).attempt_id),
      );
      return lines
        .filter((l) => l.type === 'claim')
        .map((l) => (l as { attempt_id: string }).attempt_id)
        .filter((a) => !ended.has(a));
    },
  };
}

/** SIGTERM, then SIGKILL if it has not exited within graceMs (a test's cleanup). */
export async function stopWorkerProcess(w: WorkerProcess, graceMs = 15_000): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), graceMs);
  await w.exited;
  clearTimeout(timer);
}

/** Every rollout of the run ended succeeded, with exactly one succeeded attempt; returns the attempts by rollout. */
export async function assertEachSucceededOnce(
  store: RolloutStore,
  runId: string,
  total: number,
): Promise<Map<string, { status: string; worker_id: string }[]>> {
  const rollouts = await store.rollouts({ run_id: runId });
  assert.equal(rollouts.length, total, 'every item became one rollout');
  const byRollout = new Map<string, { status: string; worker_id: string }[]>();
  for (const a of await store.attempts({ run_id: runId })) {
    const list = byRollout.get(a.rollout_id) ?? [];
    list.push({ status: a.status, worker_id: a.worker_id });
    byRollout.set(a.rollout_id, list);
  }
  for (const r of rollouts) {
    assert.equal(r.status, 'succeeded', `${r.rollout_id} is ${r.status}`);
    const succeeded = (byRollout.get(r.rollout_id) ?? []).filter((a) => a.status === 'succeeded');
    assert.equal(succeeded.length, 1, `${r.rollout_id} has ${succeeded.length} succeeded attempts`);
  }
  return byRollout;
}
