// Small synchronous file helpers the store needs for durability: atomic replace, directory fsync,
// moving a damaged file aside under a new name (never deleting it), and a blocking sleep for lock waits.
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Makes a rename or create inside `dir` durable. Some platforms cannot open a directory: then the rename is as durable as it gets. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows and some network file systems refuse directory fsync.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `parts` to a temp file beside `path`, fsyncs it, renames it over `path`, fsyncs the folder. */
export function writeFileAtomic(path: string, parts: Uint8Array[]): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w');
  try {
    for (const p of parts) {
      let off = 0;
      while (off < p.length) off += writeSync(fd, p, off, p.length - off);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // The temp file is ours and incomplete; if it cannot be removed it is harmless.
    }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** A file-name-safe UTC timestamp, e.g. 2026-11-22T15-35-11-123Z. */
export function fileTimestamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

function asideName(path: string): string {
  const base = `${path}.corrupt-${fileTimestamp()}`;
  let candidate = base;
  for (let i = 1; existsSync(candidate); i++) candidate = `${base}-${i}`;
  return candidate;
}

/** Renames a damaged file to `<path>.corrupt-<timestamp>` (bytes untouched); returns the new path. */
export function moveAside(path: string): string {
  const target = asideName(path);
  renameSync(path, target);
  fsyncDir(dirname(path));
  return target;
}

/** Copies a damaged file to `<path>.corrupt-<timestamp>` before the live file is repaired in place. */
export function copyAside(path: string): string {
  const target = asideName(path);
  copyFileSync(path, target, constants.COPYFILE_EXCL);
  return target;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread: store writes are synchronous, so waiting for another process's lock must be too. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** A whole file as bytes (a Uint8Array view of the Buffer node returns). */
export function readBytes(pathOrFd: string | number): Uint8Array {
  const b = readFileSync(pathOrFd);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
