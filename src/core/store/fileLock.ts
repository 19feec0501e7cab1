// The cross-process writer lock: an O_EXCL lock file holding its owner's pid, host and time.
// A lock whose owner process is gone (kill -9, crash) is broken by the next writer; one that is held
// longer than any store operation takes is treated as stale too, in case the pid was reused.
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sleepSync } from './fsUtil';

interface LockOwner {
  pid: number;
  host: string;
  /** ms since the epoch when it was taken. */
  time: number;
  /** Tells our lock file from one another process wrote after breaking ours. */
  token: string;
}

/** No store operation holds the lock this long; an older lock is stale even if its pid looks alive. */
const STALE_AFTER_MS = 10 * 60_000;
/** A lock file still empty this long after creation belongs to a process that died while taking it. */
const EMPTY_STALE_AFTER_MS = 5_000;

/** Lock files this process holds right now (to tell a nested write from a leftover of ours). */
const heldHere = new Set<string>();

/** Whether a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (
      typeof o.pid === 'number' &&
      typeof o.host === 'string' &&
      typeof o.time === 'number' &&
      typeof o.token === 'string'
    ) {
      return o as LockOwner;
    }
  } catch {
    // Empty or half-written: judged by the file's age.
  }
  return undefined;
}

export class FileLock {
  private token: string | undefined;

  constructor(
    readonly path: string,
    private readonly timeoutMs = 30_000,
  ) {}

  get held(): boolean {
    return this.token !== undefined;
  }

  /** Blocks until the lock is ours; throws after the timeout with the owner's pid and the lock file's path. */
  acquire(): void {
    if (this.token) throw new Error(`Store lock already held by this store: ${this.path}`);
    const deadline = Date.now() + this.timeoutMs;
    let waitMs = 1;
    for (;;) {
      const token = randomBytes(8).toString('hex');
      let fd: number | undefined;
      try {
        fd = openSync(this.path, 'wx');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (fd !== undefined) {
        try {
          const owner: LockOwner = { pid: process.pid, host: hostname(), time: Date.now(), token };
          writeSync(fd, JSON.stringify(owner));
        } finally {
          closeSync(fd);
        }
        this.token = token;
        heldHere.add(this.path);
        return;
      }
      if (this.breakIfStale()) continue;
      if (Date.now() > deadline) throw new Error(this.describeBusy());
      sleepSync(waitMs + Math.random() * waitMs);
      waitMs = Math.min(waitMs * 2, 8);
    }
  }

  release(): void {
    if (!this.token) return;
    const token = this.token;
    this.token = undefined;
    heldHere.delete(this.path);
    try {
      // Only remove our own lock: if it was broken as stale, the file now belongs to someone else.
      if (parseOwner(readFileSync(this.path, 'utf8'))?.token === token) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }

  private describeBusy(): string {
    let who = 'another process';
    try {
      const o = parseOwner(readFileSync(this.path, 'utf8'));
      if (o) who = `process ${o.pid} on ${o.host} since ${new Date(o.time).toISOString()}`;
    } catch {
      // Gone meanwhile.
    }
    return `The store is locked by ${who} (lock file ${this.path}). If no Prompt Tuner process is running, delete that file.`;
  }

  /** True when the lock file is gone or was stale and has been removed (try again at once). */
  private breakIfStale(): boolean {
    let text: string;
    let mtimeMs: number;
    try {
      text = readFileSync(this.path, 'utf8');
      mtimeMs = statSync(this.path).mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw e;
    }
    const owner = parseOwner(text);
    const now = Date.now();
    let stale: boolean;
    if (!owner) stale = now - mtimeMs > EMPTY_STALE_AFTER_MS;
    else if (owner.host === hostname() && owner.pid === process.pid) {
      if (heldHere.has(this.path))
        throw new Error(`Nested store write in one process (lock ${this.path}): finish the outer write first`);
      stale = true;
    } else if (owner.host === hostname()) stale = !pidAlive(owner.pid) || now - owner.time > STALE_AFTER_MS;
    else stale = now - owner.time > STALE_AFTER_MS;
    if (!stale) return false;
    // Take the stale file out of the way under a private name, then make sure it is the one we judged:
    // between our read and the rename another process may have broken it and taken a fresh lock.
    const grabbed = `${this.path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(this.path, grabbed);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw e;
    }
    try {
      if (readFileSync(grabbed, 'utf8') !== text) {
        try {
          linkSync(grabbed, this.path);
        } catch {
          // Someone holds a newer lock already; theirs stands.
        }
      }
    } finally {
      unlinkSync(grabbed);
    }
    return true;
  }
}
