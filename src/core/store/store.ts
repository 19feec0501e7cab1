// The one owner of the sql.js database. sql.js keeps the database in memory, so durability comes from
// files beside it (see storeFiles): a snapshot written whole and atomically now and then, and an
// append-only journal holding every committed transaction since, as the statements it ran. A commit
// appends one record and fsyncs it, so its cost does not grow with the database. Writers in several
// processes serialize on a lock file and first replay what the others appended; readers notice new
// records with one stat call and replay them. A group commit (writeSoon) appends its record at once but fsyncs it
// on Node's thread pool, off the event loop: its writes are the kind a crash may lose anyway.
import { open as openFile } from 'node:fs/promises';
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  statSync,
  unlinkSync,
  watch as fsWatch,
  writeSync,
  type FSWatcher,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';
import type { Database, SqlJsStatic, Statement } from 'sql.js';
import { FileLock, pidAlive } from './fileLock';
import { countStoreCommit, trackPendingWrites } from './groupCommit';
import { copyAside, moveAside, readBytes, writeFileAtomic } from './fsUtil';
import {
  JOURNAL_HEADER_SIZE,
  decodeHeader,
  encodeHeader,
  encodeRecord,
  scanRecords,
  type JournalRecord,
  type JournalScan,
  type JournalStatement,
} from './journal';
import type { Migration } from './migrations';
import { runMigrations } from './migrate';
import { openSnapshot, writeSnapshot } from './snapshot';
import { loadSqlJs } from './sqlJs';
import { STORE_FILES, type StoreFileNames } from './storeFiles';

export type SqlValue = string | number | null | Uint8Array;

export interface StoreOptions {
  /** Folder of the db files, e.g. <workspace>/.prompt-tuner. Created when missing. */
  dir: string;
  /** Told about repairs the user should know of, e.g. "corrupt file moved aside: A → B". Default: console.error. */
  onNotice?: (message: string) => void;
  /** sql-wasm.wasm; default: beside the bundle, else node_modules. */
  wasmPath?: string;
  /** Schema migrations to apply, in order (the workspace's list is in src/core/workspaceStore.ts). */
  migrations: Migration[];
  /** Journal size (bytes) past which a commit also writes a snapshot and starts a new journal. Default 4 MiB. */
  journalLimitBytes?: number;
  /** close() writes a snapshot when the journal holds at least this many bytes. Default 64 KiB. */
  closeSnapshotBytes?: number;
  /** How long a write waits for another process's lock before failing. Default 30 s. */
  lockTimeoutMs?: number;
  /** File names inside `dir` (storeFilesFor gives them for a named .sqlite path). Default STORE_FILES. */
  files?: StoreFileNames;
  /** How long writes queued with writeSoon() wait for their group commit. Default 50 ms. */
  groupCommitMs?: number;
}

export interface WriteTx {
  run(sql: string, params?: SqlValue[]): { changes: number; lastInsertRowid: number };
  all<R>(sql: string, params?: SqlValue[]): R[];
  get<R>(sql: string, params?: SqlValue[]): R | undefined;
}

/** The store file was written by a newer Prompt Tuner; nothing was changed. */
export class StoreVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreVersionError';
  }
}

const DEFAULT_JOURNAL_LIMIT = 4 * 1024 * 1024;
const DEFAULT_CLOSE_SNAPSHOT = 64 * 1024;
const DEFAULT_GROUP_COMMIT_MS = 50;
const STATEMENT_CACHE_LIMIT = 256;
const POLL_MS = 2_000;
/** Statements that only read; anything else run through tx.all/tx.get is journaled too. */
const READ_ONLY_SQL = /^\s*(select|explain)\b/i;

interface FileIdentity {
  dev: number;
  ino: number;
}

function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a === b || (!!a && !!b && a.dev === b.dev && a.ino === b.ino);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export class Store {
  readonly dir: string;
  private readonly snapshotPath: string;
  private readonly journalPath: string;
  private readonly lock: FileLock;
  private readonly notice: (message: string) => void;
  private readonly journalLimit: number;
  private readonly closeSnapshotBytes: number;
  private readonly files: StoreFileNames;
  private readonly groupCommitMs: number;
  /** Writes queued by writeSoon(), committed together by the next flush. */
  private readonly queued: ((tx: WriteTx) => void)[] = [];
  private groupCommitTimer: NodeJS.Timeout | undefined;
  /** Names of temp files and broken locks of this store's files, with the pid that made them. */
  private readonly deadTempPatterns: RegExp[];

  private db: Database | undefined;
  private readonly statements = new Map<string, Statement>();
  /** Generation of the snapshot our in-memory state started from. */
  private generation = 0;
  /** Held open so its inode cannot be reused while we compare identities. */
  private snapshotFd: number | undefined;
  private snapshotId: FileIdentity | undefined;
  private journalFd: number | undefined;
  private journalId: FileIdentity | undefined;
  /** Journal offset up to which records are applied; also where the next record goes. */
  private offset = 0;
  /** Journal size at which an unusable tail was last seen without the lock (skip re-reading it). */
  private badTailAtSize = -1;

  private writing = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** The thread-pool fsync of group commits in flight, if any (syncSoon). */
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private readonly listeners = new Set<() => void>();
  private notifyQueued = false;
  private watchers = 0;
  private fsWatcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private watchDebounce: NodeJS.Timeout | undefined;

  private constructor(
    private readonly SQL: SqlJsStatic,
    options: StoreOptions,
  ) {
    this.dir = options.dir;
    this.files = options.files ?? STORE_FILES;
    this.snapshotPath = join(options.dir, this.files.snapshot);
    this.journalPath = join(options.dir, this.files.journal);
    this.lock = new FileLock(join(options.dir, this.files.lock), options.lockTimeoutMs);
    // writeFileAtomic's `.<name>.tmp-<pid>` and FileLock's `<lock>.stale-<pid>-<hex>`; the default names keep the
    // older, wider pattern so a workspace store cleans up exactly what it always did.
    const [snap, journal, lock] = [this.files.snapshot, this.files.journal, this.files.lock].map(escapeRegExp);
    this.deadTempPatterns =
      options.files === undefined
        ? [/^\.store\..+\.tmp-(\d+)$/, /^store\.lock\.stale-(\d+)-[0-9a-f]+$/]
        : [new RegExp(`^\\.(?:${snap}|${journal})\\.tmp-(\\d+)$`), new RegExp(`^${lock}\\.stale-(\\d+)-[0-9a-f]+$`)];
    this.notice = options.onNotice ?? ((m) => console.error(`prompt-tuner store: ${m}`));
    this.journalLimit = options.journalLimitBytes ?? DEFAULT_JOURNAL_LIMIT;
    this.closeSnapshotBytes = options.closeSnapshotBytes ?? DEFAULT_CLOSE_SNAPSHOT;
    this.groupCommitMs = options.groupCommitMs ?? DEFAULT_GROUP_COMMIT_MS;
  }

  /** Opens or creates the store, takes in other processes' writes and applies pending migrations. */
  static async open(options: StoreOptions): Promise<Store> {
    const SQL = await loadSqlJs(options.wasmPath);
    mkdirSync(options.dir, { recursive: true });
    const store = new Store(SQL, options);
    try {
      store.withLock(() => {
        store.removeDeadTempFiles();
        store.reload();
        if (store.offset > store.journalLimit) store.compact();
      });
      runMigrations(store, options.migrations);
    } catch (e) {
      store.dispose();
      throw e;
    }
    return store;
  }

  /** Runs `fn` as one transaction; when it returns, the change is on disk. Rolls back if `fn` throws. */
  write<T>(fn: (tx: WriteTx) => T): T {
    this.assertOpen();
    if (this.writing) throw new Error('Store.write: nested write() calls are not allowed; use the tx you were given');
    // Queued writes go first, so writes land in the order they were asked for.
    if (this.queued.length > 0) this.flushQueued();
    return this.commit(fn);
  }

  /**
   * Queues `fn` for the next group commit: one transaction (one fdatasync, done on the thread pool) for
   * everything queued within groupCommitMs, so writes that may be lost in a crash (the response cache,
   * latency) stay off the hot path. Committed by flush(), by the next write(), at close(), or by a timer that does not keep the
   * process alive. Queued writes are not in the database until then: a caller that reads them back keeps
   * them itself until `fn` runs. A failed group commit is told to onNotice and its writes are dropped.
   */
  writeSoon(fn: (tx: WriteTx) => void): void {
    this.assertOpen();
    this.queued.push(fn);
    trackPendingWrites(this, true);
    if (this.groupCommitTimer === undefined) {
      this.groupCommitTimer = setTimeout(() => {
        this.groupCommitTimer = undefined;
        // write() callbacks are synchronous, so a timer never fires inside one.
        if (!this.closed) this.flushQueued();
      }, this.groupCommitMs);
      this.groupCommitTimer.unref();
    }
  }

  /** Commits the writes queued with writeSoon() now (one transaction); throws if that commit fails. */
  flush(): void {
    this.assertOpen();
    if (this.writing) throw new Error('Store.flush: not allowed inside write()');
    this.commitQueued(true);
  }

  /** `durable`: fsynced before this returns (flush, close); otherwise on the thread pool (the timer, before a write). */
  private commitQueued(durable: boolean): void {
    clearTimeout(this.groupCommitTimer);
    this.groupCommitTimer = undefined;
    trackPendingWrites(this, false);
    if (this.queued.length === 0) return;
    const batch = this.queued.splice(0);
    this.commit(
      (tx) => {
        for (const fn of batch) fn(tx);
      },
      { durable },
    );
  }

  private flushQueued(durable = false): void {
    try {
      this.commitQueued(durable);
    } catch (e) {
      this.notice(`queued writes (response cache, latency) were not saved: ${(e as Error).message}`);
    }
  }

  /** `durable: false` (group commits): the record is written now and fsynced on the thread pool (syncSoon). */
  private commit<T>(fn: (tx: WriteTx) => T, options: { durable: boolean } = { durable: true }): T {
    this.writing = true;
    let othersChanged = false;
    let result: T;
    let wrote: boolean;
    try {
      this.lock.acquire();
      try {
        othersChanged = this.catchUp(true);
        const before = this.offset;
        result = this.transaction(fn, options.durable);
        wrote = this.offset !== before;
        if (this.offset > this.journalLimit) this.tryCompact();
      } finally {
        this.lock.release();
      }
    } finally {
      this.writing = false;
      if (othersChanged) this.queueNotify();
    }
    if (wrote) this.queueNotify();
    return result;
  }

  all<R>(sql: string, params?: SqlValue[]): R[] {
    this.readPrologue();
    return this.query<R>(sql, params);
  }

  get<R>(sql: string, params?: SqlValue[]): R | undefined {
    this.readPrologue();
    return this.query<R>(sql, params, 1)[0];
  }

  /** Replays writes other processes committed since we last looked; true if there were any. */
  refresh(): boolean {
    this.assertOpen();
    if (this.writing) return false;
    const changed = this.catchUp(false);
    if (changed) this.queueNotify();
    return changed;
  }

  /** Called soon after our own commits and after replaying other processes' writes. Returns unsubscribe. */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Notices other processes' writes without a read (file watcher plus a slow poll); returns stop. */
  watch(): () => void {
    this.assertOpen();
    this.watchers += 1;
    if (this.watchers === 1) {
      try {
        this.fsWatcher = fsWatch(this.dir, { persistent: false }, (_event, name) => {
          if (name && !String(name).startsWith(this.files.journal) && !String(name).startsWith(this.files.snapshot))
            return;
          clearTimeout(this.watchDebounce);
          this.watchDebounce = setTimeout(() => this.backgroundRefresh(), 30);
          this.watchDebounce.unref();
        });
        this.fsWatcher.on('error', () => this.stopFsWatcher());
      } catch {
        // Some file systems cannot be watched; the poll below still notices.
      }
      this.pollTimer = setInterval(() => this.backgroundRefresh(), POLL_MS);
      this.pollTimer.unref();
    }
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      this.watchers -= 1;
      if (this.watchers === 0) this.stopWatching();
    };
  }

  /** Writes a snapshot when the journal has grown, then releases everything. */
  close(): Promise<void> {
    // Once: a second close() while the first waits for its fsync gets the same promise.
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    if (this.closed) return;
    this.stopWatching();
    try {
      if (!this.writing) this.flushQueued(true);
      // Group commits fsynced on the thread pool are on disk before close returns.
      await this.syncing;
      const journalBytes = this.offset - JOURNAL_HEADER_SIZE;
      if (!this.writing && journalBytes > 0 && journalBytes >= this.closeSnapshotBytes) {
        this.withLock(() => {
          this.catchUp(true);
          this.tryCompact();
        });
      }
    } finally {
      this.dispose();
    }
  }

  // ---- transactions ----

  private transaction<T>(fn: (tx: WriteTx) => T, durable = true): T {
    const db = this.database();
    const recorded: JournalStatement[] = [];
    const tx: WriteTx = {
      run: (sql, params) => {
        const changes = this.execute(sql, params);
        recorded.push({ sql, params: params && params.length > 0 ? [...params] : undefined });
        const lastInsertRowid = Number(
          this.query<{ id: number }>('SELECT last_insert_rowid() AS id', undefined)[0]?.id ?? 0,
        );
        return { changes, lastInsertRowid };
      },
      all: <R>(sql: string, params?: SqlValue[]) => {
        const rows = this.query<R>(sql, params);
        if (!READ_ONLY_SQL.test(sql))
          recorded.push({ sql, params: params && params.length > 0 ? [...params] : undefined });
        return rows;
      },
      get: <R>(sql: string, params?: SqlValue[]) => {
        const rows = this.query<R>(sql, params);
        if (!READ_ONLY_SQL.test(sql))
          recorded.push({ sql, params: params && params.length > 0 ? [...params] : undefined });
        return rows[0];
      },
    };
    db.run('BEGIN');
    let result: T;
    try {
      result = fn(tx);
      if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
        throw new Error('Store.write: the callback must be synchronous (it returned a promise); nothing was written');
      }
      db.run('COMMIT');
    } catch (e) {
      try {
        db.run('ROLLBACK');
      } catch {
        // A failed COMMIT may have rolled back already.
      }
      throw e;
    }
    // Committed in memory only after SQLite accepted it, so no journal record is ever taken back for a
    // failed COMMIT (a reader may already have applied it). If the record cannot be written, memory is
    // rebuilt from the files, which do not have the change.
    if (recorded.length > 0) {
      try {
        this.append(encodeRecord(recorded), durable);
      } catch (e) {
        this.reload();
        throw new Error(`The change was not saved: could not write ${this.journalPath}: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
    return result;
  }

  /**
   * Appends one record at the end of the journal and fsyncs it (`durable`), or has it fsynced on the thread pool;
   * on failure the journal is cut back.
   */
  private append(record: Uint8Array, durable: boolean): void {
    const fd = this.journalFd!;
    try {
      let done = 0;
      while (done < record.length) done += writeSync(fd, record, done, record.length - done, this.offset + done);
      if (durable) fdatasyncSync(fd);
    } catch (e) {
      this.truncateJournal(this.offset);
      throw e;
    }
    countStoreCommit();
    this.offset += record.length;
    if (!durable) this.syncSoon();
  }

  /**
   * fdatasyncs the journal on the thread pool, through a descriptor of its own: this store's may be closed (at
   * compaction or close) while the sync runs, and its number reused. A sync asked for while one runs is done after
   * it, so every record appended is covered. If compaction has replaced the journal meanwhile, its records are in
   * the snapshot, which compaction wrote durably.
   */
  private syncSoon(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = (async () => {
      do {
        this.syncAgain = false;
        try {
          const handle = await openFile(this.journalPath, 'r+');
          try {
            await handle.datasync();
          } finally {
            await handle.close();
          }
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
            this.notice(`queued writes (response cache, latency) may not be on disk: ${(e as Error).message}`);
        }
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by syncSoon() during the awaits above
      } while (this.syncAgain);
      this.syncing = undefined;
    })();
  }

  private truncateJournal(length: number): void {
    try {
      ftruncateSync(this.journalFd!, length);
      fdatasyncSync(this.journalFd!);
    } catch {
      // A tail left behind fails its checksum and is cut by the next writer.
    }
    this.offset = length;
  }

  private execute(sql: string, params: SqlValue[] | undefined): number {
    const db = this.database();
    if (!params || params.length === 0) {
      // db.run without parameters goes through sqlite3_exec, which runs every statement in the string.
      db.run(sql);
    } else {
      const stmt = this.prepare(sql);
      try {
        stmt.run(params);
      } finally {
        stmt.reset();
      }
    }
    return db.getRowsModified();
  }

  private query<R>(sql: string, params: SqlValue[] | undefined, limit = Infinity): R[] {
    const stmt = this.prepare(sql);
    const rows: R[] = [];
    try {
      stmt.bind(params ?? []);
      while (rows.length < limit && stmt.step()) rows.push(stmt.getAsObject() as R);
    } finally {
      stmt.reset();
    }
    return rows;
  }

  private prepare(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.freeStatements();
      stmt = this.database().prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private freeStatements(): void {
    for (const s of this.statements.values()) {
      try {
        s.free();
      } catch {
        // Its database is already closed.
      }
    }
    this.statements.clear();
  }

  private database(): Database {
    if (!this.db) throw new Error('Store is closed');
    return this.db;
  }

  // ---- following the files ----

  private readPrologue(): void {
    this.assertOpen();
    // Inside a write the lock holder is already current; reads there see the open transaction.
    if (!this.writing && this.catchUp(false)) this.queueNotify();
  }

  /**
   * Brings memory up to date with the files: replays new journal records, or reloads everything when
   * another process wrote a snapshot and started a new journal. True if anything changed.
   */
  private catchUp(locked: boolean): boolean {
    const js = statOrUndefined(this.journalPath);
    let replaced = !sameFile(js, this.journalId);
    // A snapshot written by a process that died before replacing the journal: only the lock holder may repair.
    if (!replaced && locked && !sameFile(statOrUndefined(this.snapshotPath), this.snapshotId)) replaced = true;
    if (replaced || !js) {
      if (locked) this.reload();
      else this.withLock(() => this.reload());
      return true;
    }
    if (js.size < this.offset) {
      // Someone cut the journal below what we applied: no longer the file we followed.
      if (locked) this.reload();
      else this.withLock(() => this.reload());
      return true;
    }
    if (js.size === this.offset || (!locked && js.size === this.badTailAtSize)) return false;
    const scan = this.readJournal(this.journalFd!, this.offset, js.size);
    this.applyRecords(scan.records);
    this.offset = scan.end;
    if (scan.tail !== 'clean') {
      if (locked) this.repairTail(scan);
      else this.badTailAtSize = js.size;
    }
    return scan.records.length > 0;
  }

  private readJournal(fd: number, from: number, to: number): JournalScan {
    const buf = new Uint8Array(to - from);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return scanRecords(buf.subarray(0, got), from);
  }

  private applyRecords(records: JournalRecord[]): void {
    const db = this.database();
    for (const record of records) {
      db.run('BEGIN');
      try {
        for (const s of record.statements) this.execute(s.sql, s.params);
        db.run('COMMIT');
      } catch (e) {
        try {
          db.run('ROLLBACK');
        } catch {
          // Already rolled back.
        }
        // Replay is deterministic, so every process skips the same record.
        this.notice(
          `journal record at offset ${record.offset} of ${this.journalPath} could not be replayed and was skipped: ${(e as Error).message}`,
        );
      }
    }
  }

  /** Under the lock: cut an unusable journal tail so new records are not appended behind it. */
  private repairTail(scan: JournalScan): void {
    const size = fstatSync(this.journalFd!).size;
    if (scan.tail === 'corrupt') {
      const aside = copyAside(this.journalPath);
      this.notice(
        `damaged journal record (${scan.tailReason}); the journal was copied aside and cut before it: ${this.journalPath} → ${aside}`,
      );
    } else {
      this.notice(
        `ignored an incomplete last journal record of ${size - scan.end} bytes in ${this.journalPath} (a write interrupted before it was acknowledged)`,
      );
    }
    this.truncateJournal(scan.end);
    this.badTailAtSize = -1;
  }

  /** Under the lock: rebuilds memory from the snapshot and the journal, repairing what needs it. */
  private reload(): void {
    this.closeDatabase();
    this.badTailAtSize = -1;

    let snapshotLost = false;
    let bytes: Uint8Array | undefined;
    let snapshotFd: number | undefined;
    if (existsSync(this.snapshotPath)) {
      snapshotFd = openSync(this.snapshotPath, 'r');
      bytes = readBytes(snapshotFd);
    }
    let db: Database | undefined;
    let generation = 0;
    if (bytes && snapshotFd !== undefined) {
      const opened = openSnapshot(this.SQL, bytes);
      if ('error' in opened) {
        closeSync(snapshotFd);
        snapshotFd = undefined;
        const aside = moveAside(this.snapshotPath);
        this.notice(
          `corrupt database file moved aside (${opened.error}): ${this.snapshotPath} → ${aside}; starting with an empty store`,
        );
        snapshotLost = true;
      } else {
        db = opened.db;
        generation = opened.generation;
      }
    }
    this.db = db ?? new this.SQL.Database();
    // Durability is the journal file's (one fsync per commit); SQLite's own rollback journal only has to undo a
    // ROLLBACK of this in-memory database, so it stays in memory instead of being a file sql.js creates and deletes
    // in its in-memory file system on every commit (about a fifth of a commit's time apart from the fsync).
    this.db.exec('PRAGMA journal_mode = MEMORY');
    this.generation = generation;
    this.snapshotFd = snapshotFd;
    this.snapshotId = snapshotFd !== undefined ? fstatSync(snapshotFd) : undefined;

    this.openJournal(snapshotLost);
  }

  private openJournal(snapshotLost: boolean): void {
    const fresh = () => writeFileAtomic(this.journalPath, [encodeHeader(this.generation)]);
    if (existsSync(this.journalPath)) {
      const bytes = readBytes(this.journalPath);
      const header = decodeHeader(bytes);
      const hasRecords = bytes.length > JOURNAL_HEADER_SIZE;
      if ('error' in header) {
        if (bytes.length > 0) {
          const aside = moveAside(this.journalPath);
          this.notice(`unreadable journal moved aside (${header.error}): ${this.journalPath} → ${aside}`);
        }
        fresh();
      } else if (snapshotLost && hasRecords) {
        const aside = moveAside(this.journalPath);
        this.notice(
          `journal moved aside because the database it continues was corrupt: ${this.journalPath} → ${aside}`,
        );
        fresh();
      } else if (header.generation < this.generation || (snapshotLost && !hasRecords)) {
        // Left by a snapshot that was written but whose new journal was not yet: the snapshot holds it all.
        fresh();
      } else if (header.generation > this.generation) {
        const aside = moveAside(this.journalPath);
        this.notice(
          `journal continues database generation ${header.generation} but the database file is generation ${this.generation}; journal moved aside: ${this.journalPath} → ${aside}`,
        );
        fresh();
      }
    } else {
      fresh();
    }
    this.journalFd = openSync(this.journalPath, 'r+');
    this.journalId = fstatSync(this.journalFd);
    this.offset = JOURNAL_HEADER_SIZE;
    const size = fstatSync(this.journalFd).size;
    if (size > JOURNAL_HEADER_SIZE) {
      const scan = this.readJournal(this.journalFd, JOURNAL_HEADER_SIZE, size);
      this.applyRecords(scan.records);
      this.offset = scan.end;
      if (scan.tail !== 'clean') this.repairTail(scan);
    }
  }

  /** Under the lock and up to date: snapshot of everything, then a new, empty journal generation. */
  private compact(): void {
    const generation = this.generation + 1;
    writeSnapshot(this.snapshotPath, this.database(), generation);
    // A crash here leaves the old journal behind the new snapshot; reload() recognises and replaces it.
    writeFileAtomic(this.journalPath, [encodeHeader(generation)]);
    this.closeFiles();
    this.generation = generation;
    this.snapshotFd = openSync(this.snapshotPath, 'r');
    this.snapshotId = fstatSync(this.snapshotFd);
    this.journalFd = openSync(this.journalPath, 'r+');
    this.journalId = fstatSync(this.journalFd);
    this.offset = JOURNAL_HEADER_SIZE;
  }

  private tryCompact(): void {
    try {
      this.compact();
    } catch (e) {
      // Every commit is already durable in the journal; a failed snapshot only delays the next one.
      this.notice(`could not write a snapshot of ${this.snapshotPath}: ${(e as Error).message}`);
      this.reload();
    }
  }

  private withLock<T>(fn: () => T): T {
    this.lock.acquire();
    try {
      return fn();
    } finally {
      this.lock.release();
    }
  }

  /** Temp files of snapshots, and lock files being broken, whose process died mid-way; never live data. */
  private removeDeadTempFiles(): void {
    for (const name of readdirSync(this.dir)) {
      const m = this.deadTempPatterns.map((p) => p.exec(name)).find((x) => x !== null);
      if (m && !pidAlive(Number(m[1]))) {
        try {
          unlinkSync(join(this.dir, name));
        } catch {
          // Another process removed it first.
        }
      }
    }
  }

  // ---- lifecycle ----

  private backgroundRefresh(): void {
    if (this.closed || this.writing) return;
    try {
      this.refresh();
    } catch (e) {
      this.notice(`could not read other processes' changes: ${(e as Error).message}`);
    }
  }

  private queueNotify(): void {
    if (this.notifyQueued || this.listeners.size === 0) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      if (this.closed) return;
      for (const l of [...this.listeners]) {
        try {
          l();
        } catch (e) {
          this.notice(`a store change listener failed: ${(e as Error).message}`);
        }
      }
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`Store is closed: ${this.dir}`);
  }

  private stopFsWatcher(): void {
    this.fsWatcher?.close();
    this.fsWatcher = undefined;
  }

  private stopWatching(): void {
    this.stopFsWatcher();
    clearInterval(this.pollTimer);
    clearTimeout(this.watchDebounce);
    this.pollTimer = undefined;
    this.watchers = 0;
  }

  private closeFiles(): void {
    for (const fd of [this.snapshotFd, this.journalFd]) if (fd !== undefined) closeSync(fd);
    this.snapshotFd = undefined;
    this.journalFd = undefined;
    this.snapshotId = undefined;
    this.journalId = undefined;
  }

  private closeDatabase(): void {
    this.freeStatements();
    this.db?.close();
    this.db = undefined;
    this.closeFiles();
  }

  private dispose(): void {
    clearTimeout(this.groupCommitTimer);
    this.groupCommitTimer = undefined;
    if (this.queued.length > 0) this.notice(`${this.queued.length} queued writes were dropped at close`);
    this.queued.length = 0;
    trackPendingWrites(this, false);
    this.stopWatching();
    this.closeDatabase();
    this.closed = true;
    this.listeners.clear();
  }
}
