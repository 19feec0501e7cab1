// A throwaway PostgreSQL cluster for tests: initdb into a temp folder, a free port on 127.0.0.1 only, the unix
// socket inside the folder, `pg_ctl start -w`; stop() removes it all. As root the server must run as `postgres`
// (it refuses root), so the folder is chowned and every server command goes through `runuser`. Without a server
// binary the tests skip with the reason, except under CI (process.env.CI), where they fail: CI installs PostgreSQL.
import { spawn, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface PgServer {
  /** The superuser (trust auth) URL of the `postgres` database: postgres://postgres@127.0.0.1:<port>/postgres. */
  url: string;
  port: number;
  /** The cluster's data folder (inside the temp folder stop() removes). */
  dataDir: string;
  /** The server's log file. */
  logFile: string;
  /** Stops the server and removes the temp folder. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Restarts the server on the same port and data. `fast` (default) ends sessions cleanly; `immediate` is a crash
   * (no checkpoint, clients see their connections drop). `downMs`: how long it stays down before starting again.
   */
  restart(opts?: { mode?: 'fast' | 'immediate'; downMs?: number }): Promise<void>;
  /** A new empty database (a fresh store per test); its URL, as `user`/`password` when given (see createRole). */
  createDatabase(name?: string, auth?: { user: string; password: string }): Promise<string>;
  /**
   * A login role that must give its password (scram-sha-256 on 127.0.0.1, unlike the trust superuser), so tests can
   * check a URL's password is used and never stored. Returns nothing; use createDatabase(name, { user, password }).
   */
  createRole(user: string, password: string): Promise<void>;
  /** Runs one SQL statement as the superuser on `database` (default postgres); its rows. */
  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<T[]>;
}

/** Roles in this group authenticate with a password (pg_hba matches `+password_auth` before the trust line). */
const PASSWORD_GROUP = 'password_auth';

let dbCounter = 0;

/** Servers still running: stopped when this process exits (mocha's --exit, a failed run) so none is left behind. */
const running = new Map<string, () => void>();
process.on('exit', () => {
  for (const stopNow of running.values()) stopNow();
});

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The folder with initdb, pg_ctl and postgres: $PG_BIN, `pg_config --bindir`, the newest /usr/lib/postgresql/N/bin, or PATH. */
function findBinDir(): string | null {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(root, v, 'bin'));
  }
  const cfg = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (!cfg.error && cfg.status === 0) candidates.push(cfg.stdout.trim());
  for (const dir of candidates) if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  return null;
}

function postgresIds(): { uid: number; gid: number } | null {
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return null;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Runs a server binary (as `postgres` when we are root); resolves with its output, rejects with it on failure. */
function runBin(binDir: string, bin: string, args: string[], asPostgres: boolean, timeoutMs = 60_000): Promise<string> {
  const [cmd, argv] = asPostgres
    ? ['runuser', ['-u', 'postgres', '--', join(binDir, bin), ...args]]
    : [join(binDir, bin), args];
  return new Promise((resolve, reject) => {
    // The cwd must be readable by `postgres` (a root-only cwd makes initdb complain).
    const child = spawn(cmd, argv, {
      cwd: tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${bin} could not be started: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${bin} ${args.join(' ')} exited with ${code}: ${out.trim()}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Starts a fresh cluster. `{ skip }` when no server can be started here (not installed, cannot run as postgres);
 * any other failure of a server that is installed is thrown, since that is a bug to see.
 */
export async function startPostgres(opts: { maxConnections?: number } = {}): Promise<PgServer | { skip: string }> {
  const binDir = findBinDir();
  if (!binDir)
    return { skip: 'PostgreSQL is not installed (no initdb/pg_ctl: set PG_BIN, or apt-get install postgresql)' };
  const asPostgres = isRoot();
  let ids: { uid: number; gid: number } | null = null;
  if (asPostgres) {
    ids = postgresIds();
    if (!ids) return { skip: 'running as root and there is no `postgres` user to run the server as' };
    if (spawnSync('runuser', ['--help']).error)
      return { skip: 'running as root and there is no runuser to start the server as `postgres`' };
  }
  const root = mkdtempSync(join(tmpdir(), 'pt-pg-'));
  const dataDir = join(root, 'data');
  const sockDir = join(root, 'sock');
  const logFile = join(root, 'server.log');
  mkdirSync(sockDir);
  writeFileSync(logFile, '');
  if (ids) for (const p of [root, sockDir, logFile]) chownSync(p, ids.uid, ids.gid);
  const removeAll = () => rmSync(root, { recursive: true, force: true });
  try {
    await runBin(
      binDir,
      'initdb',
      ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      asPostgres,
      120_000,
    );
  } catch (e) {
    removeAll();
    return { skip: `initdb failed: ${(e as Error).message}` };
  }
  const port = await freePort();
  // Throwaway data: durability off makes tests fast; max_connections covers several worker processes' pools.
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    [
      '',
      `listen_addresses = '127.0.0.1'`,
      `port = ${port}`,
      `unix_socket_directories = '${sockDir}'`,
      `max_connections = ${opts.maxConnections ?? 200}`,
      // fsync off is safe here (no OS crash in a test); synchronous_commit stays on, or an immediate shutdown
      // (the crash-restart tests) loses commits the server had already confirmed.
      'fsync = off',
      'full_page_writes = off',
      `shared_buffers = 32MB`,
      `password_encryption = 'scram-sha-256'`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dataDir, 'pg_hba.conf'),
    [
      'local all all trust',
      `host all +${PASSWORD_GROUP} 127.0.0.1/32 scram-sha-256`,
      'host all all 127.0.0.1/32 trust',
      '',
    ].join('\n'),
  );
  if (ids) chownSync(join(dataDir, 'pg_hba.conf'), ids.uid, ids.gid);
  const ctl = (args: string[], timeoutMs?: number) =>
    runBin(binDir, 'pg_ctl', ['-D', dataDir, ...args], asPostgres, timeoutMs);
  const start = () => ctl(['-l', logFile, '-w', '-t', '60', 'start'], 90_000);
  try {
    await start();
  } catch (e) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    removeAll();
    throw new Error(`PostgreSQL did not start: ${(e as Error).message}\n${log}`, { cause: e });
  }
  const baseUrl = `postgres://postgres@127.0.0.1:${port}`;
  const query = async <T extends Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<T[]> => {
    const client = new Client({ connectionString: `${baseUrl}/${database}` });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  running.set(root, () => {
    const [cmd, argv] = asPostgres
      ? ['runuser', ['-u', 'postgres', '--', join(binDir, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop']]
      : [join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop']];
    spawnSync(cmd, argv, { cwd: tmpdir(), stdio: 'ignore', timeout: 20_000 });
    removeAll();
  });
  await query(`CREATE ROLE ${PASSWORD_GROUP} NOLOGIN`);
  let stopped = false;
  const server: PgServer = {
    url: `${baseUrl}/postgres`,
    port,
    dataDir,
    logFile,
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(root);
      try {
        await ctl(['-m', 'immediate', '-w', 'stop'], 60_000);
      } catch {
        // Already down (a test stopped it): nothing to stop, the folder still goes.
      }
      removeAll();
    },
    async restart(o = {}) {
      await ctl(['-m', o.mode ?? 'fast', '-w', 'stop'], 60_000);
      if (o.downMs) await sleep(o.downMs);
      await start();
    },
    async createDatabase(name, auth) {
      dbCounter += 1;
      const db = name ?? `t_${process.pid}_${Date.now().toString(36)}_${dbCounter}`;
      if (!/^[a-z_][a-z0-9_]*$/.test(db))
        throw new Error(`createDatabase: '${db}' is not a plain lower-case identifier`);
      await query(`CREATE DATABASE ${db}${auth ? ` OWNER ${auth.user}` : ''}`);
      if (!auth) return `${baseUrl}/${db}`;
      return `postgres://${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.password)}@127.0.0.1:${port}/${db}`;
    },
    async createRole(user, password) {
      if (!/^[a-z_][a-z0-9_]*$/.test(user))
        throw new Error(`createRole: '${user}' is not a plain lower-case identifier`);
      // A literal: CREATE ROLE takes no parameters; the password is quoted by doubling single quotes.
      await query(`CREATE ROLE ${user} LOGIN PASSWORD '${password.replace(/'/g, "''")}' IN ROLE ${PASSWORD_GROUP}`);
    },
    query,
  };
  return server;
}

/**
 * For mocha's before(): the server, or this.skip() with the reason printed; under CI a missing server fails the
 * suite instead. Call `after(() => server.stop())` when it returns.
 */
export async function requirePostgres(ctx: Mocha.Context, opts?: { maxConnections?: number }): Promise<PgServer> {
  const started = await startPostgres(opts);
  if ('skip' in started) {
    if (process.env.CI) throw new Error(`PostgreSQL is required under CI: ${started.skip}`);
    console.log(`      skipped: ${started.skip}`);
    ctx.skip();
  }
  return started;
}
