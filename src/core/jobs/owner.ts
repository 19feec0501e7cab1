// Which process runs a job, so a run whose process died (kill -9, a closed window) reads back as interrupted
// instead of "running" forever. Stored with every run row (owner_pid, owner_host).
import { hostname } from 'node:os';
import { pidAlive } from '../store/fileLock';

/** The owner columns of this process. */
export function currentOwner(): { pid: number; host: string } {
  return { pid: process.pid, host: hostname() };
}

/**
 * Why a run stored as pending/running is not going on any more: the process that ran it on this machine is
 * gone. Null when it may still be running (or ran on another machine, where we cannot tell).
 */
export function interruptedBy(row: { status: string; owner_pid: number; owner_host: string }): string | null {
  if (row.status !== 'running' && row.status !== 'pending') return null;
  if (row.owner_host !== hostname() || pidAlive(row.owner_pid)) return null;
  return `Interrupted: the process that ran it (pid ${row.owner_pid}) ended before the run finished; its partial results are kept.`;
}

/** A run's status in a list: one whose process died reads as failed. */
export function listedStatus<S extends string>(row: {
  status: S;
  owner_pid: number;
  owner_host: string;
}): S | 'failed' {
  return interruptedBy(row) ? 'failed' : row.status;
}

/** What every job's snapshot has that an interrupted read-back changes. */
interface InterruptibleSnapshot {
  status: string;
  etaSeconds: number | null;
  throttle: unknown;
  error: string | null;
  detail: string;
}

/** An interrupted run as it reads back: failed, saying why. Shown so, never rewritten: reads never write, and the stored partial results stay. */
export function asInterrupted<S extends InterruptibleSnapshot>(snapshot: S, why: string): S {
  return { ...snapshot, status: 'failed', etaSeconds: null, throttle: null, error: why, detail: why };
}
