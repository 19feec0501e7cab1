// `optimize dashboard`: Tau's read-only dashboard endpoints and a small page over one store, on 127.0.0.1 only.
// The store (a .sqlite file or a PostgreSQL URL) is opened once it exists and refreshed on every request, so
// another process's writes show on the next one; a store that is missing or unreadable still gets answers, with
// diagnostics. A URL is only ever shown masked (answers, diagnostics); its password stays in this process.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readOverview, readTrainingField } from '../overview';
import { statusPathFor } from '../statusFile';
import { StoreMissingError } from '../store/errors';
import { openRolloutStore } from '../store/openRolloutStore';
import { isPostgresUrl, maskUrl } from '../store/pg/pgUrl';
import type { OptimizeOverview, RolloutStore } from '../types';
import { DASHBOARD_ENDPOINTS, isDashboardEndpoint, type DashboardState } from './endpoints';
import { dashboardPage } from './page';

export interface DashboardOptions {
  /** The .sqlite store (it may not exist yet) or a postgres:// URL. */
  storePath: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** status.json; default statusPathFor(storePath) (beside a file; the current folder's workspace for a URL). */
  statusPath?: string;
  /** Opens the store; default openRolloutStore without creating it (tests pass another backend). */
  openStore?: (storePath: string) => Promise<RolloutStore>;
}

export interface DashboardHandle {
  /** http://127.0.0.1:<port>/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const ALLOWED_METHODS = 'GET, HEAD';

export async function startDashboard(opts: DashboardOptions): Promise<DashboardHandle> {
  const statusPath = opts.statusPath ?? statusPathFor(opts.storePath);
  const open = opts.openStore ?? ((location: string) => openRolloutStore(location, { create: false }));
  const source = new StoreSource(opts.storePath, statusPath, open);

  const server = createServer((req, res) => {
    handle(req, res, source).catch((e: unknown) => {
      if (!res.headersSent)
        sendJson(res, req, 500, { error: 'internal_error', message: e instanceof Error ? e.message : String(e) });
      else res.destroy();
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(
              `dashboard: port ${opts.port} on ${HOST} is in use; choose another with --port (0 picks a free one)`,
            )
          : e,
      );
    });
    server.listen(opts.port ?? 0, HOST, () => resolve((server.address() as AddressInfo).port));
  });
  let closing: Promise<void> | undefined;
  return {
    url: `http://${HOST}:${port}/`,
    port,
    close() {
      closing ??= (async () => {
        await new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeAllConnections();
        });
        await source.close();
      })();
      return closing;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, source: StoreSource): Promise<void> {
  const method = req.method ?? 'GET';
  if (!localHost(req.headers.host)) {
    // Only this machine's names: a page elsewhere must not read the store through DNS rebinding.
    sendJson(res, req, 421, {
      error: 'misdirected_request',
      message: 'the dashboard answers only to 127.0.0.1 or localhost',
    });
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('allow', ALLOWED_METHODS);
    sendJson(res, req, 405, {
      error: 'method_not_allowed',
      message: `${method} is not allowed; the dashboard is read-only (${ALLOWED_METHODS})`,
    });
    return;
  }
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/' || path === '/index.html') {
    const nonce = randomBytes(18).toString('base64');
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        `style-src 'nonce-${nonce}'`,
        "connect-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
      ...COMMON_HEADERS,
    });
    res.end(method === 'HEAD' ? undefined : dashboardPage(nonce));
    return;
  }
  if (path === '/favicon.ico') {
    res.writeHead(204, COMMON_HEADERS).end();
    return;
  }
  if (!isDashboardEndpoint(path)) {
    sendJson(res, req, 404, {
      error: 'not_found',
      message: `no dashboard endpoint '${path}'`,
      endpoints: Object.keys(DASHBOARD_ENDPOINTS),
    });
    return;
  }
  const state = await source.read();
  sendJson(res, req, 200, DASHBOARD_ENDPOINTS[path](state));
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function sendJson(res: ServerResponse, req: IncomingMessage, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...COMMON_HEADERS,
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

function localHost(host: string | undefined): boolean {
  if (!host) return true;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return name === HOST || name === 'localhost' || name === '[::1]';
}

/** The store behind the answers: opened when it exists, kept open, reopened after a failed read. */
class StoreSource {
  private store: Promise<RolloutStore> | undefined;
  private closed = false;
  /** What the answers name: the path, or the URL with its password masked. */
  private readonly shown: string;

  constructor(
    private readonly storePath: string,
    private readonly statusPath: string,
    private readonly open: (storePath: string) => Promise<RolloutStore>,
  ) {
    this.shown = isPostgresUrl(storePath) ? maskUrl(storePath) : storePath;
  }

  async read(): Promise<DashboardState> {
    const diagnostics: string[] = [];
    let overview: OptimizeOverview | null = null;
    // Not existsSync(storePath): while a run goes on its writes may be only in the journal beside it.
    let present = true;
    if (!this.closed) {
      this.store ??= this.open(this.storePath);
      const opening = this.store;
      try {
        overview = await readOverview(await opening, { statusPath: this.statusPath });
      } catch (e) {
        if (e instanceof StoreMissingError) present = false;
        else
          diagnostics.push(
            `store_read_failed:${this.shown}: ${this.masked(e instanceof Error ? e.message : String(e))}`,
          );
        // Try afresh next time: the file may be mid-replacement or written by a newer version.
        if (this.store === opening) this.store = undefined;
        void opening.then((s) => s.close()).catch(() => {});
      }
    }
    if (!present) diagnostics.push(`store_missing:${this.shown}`);
    return {
      generated_unix_ms: overview?.generated_unix_ms ?? Date.now(),
      store_path: this.shown,
      store_present: present,
      store_diagnostics: diagnostics,
      overview,
      training: overview?.training ?? (await readTrainingField(this.statusPath)),
    };
  }

  /** A driver's message that quotes the URL whole must not carry its password onto the page. */
  private masked(message: string): string {
    return this.shown === this.storePath ? message : message.split(this.storePath).join(this.shown);
  }

  async close(): Promise<void> {
    this.closed = true;
    const store = this.store;
    this.store = undefined;
    if (store) await store.then((s) => s.close()).catch(() => {});
  }
}
