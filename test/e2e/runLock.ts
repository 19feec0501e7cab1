// One e2e run at a time per checkout: runs share .e2e/run and test-results/e2e, and two at once would
// delete each other's workspace. A second run waits for the first (or takes over a dead one's lock).
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until LOCKFILE is ours; returns the release function. */
export async function acquireRunLock(lockFile: string, timeoutMs = 15 * 60_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(readFileSync(lockFile, 'utf8').trim());
    if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
      rmSync(lockFile, { force: true }); // left by a run that died
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another e2e run (pid ${owner}) still holds ${lockFile}`);
    if (!announced) {
      console.log(`waiting for another e2e run (pid ${owner}) to finish…`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
