// code-server (VS Code in a browser) for the real-VS Code tests: install a VSIX into a throwaway
// profile, start it in its own process group on a free loopback port, and stop the whole group.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CODE_SERVER_ENTRY, NODE24_BIN, e2eEnv } from './paths';

export interface CodeServerDirs {
  /** VS Code's user data folder (settings, logs, global storage). */
  userDataDir: string;
  /** Where extensions get installed. */
  extensionsDir: string;
}

export interface RunningCodeServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** The process group leader; the extension host, file watcher and helpers share its group. */
  pid: number;
  /** code-server's own stdout/stderr. */
  logFile: string;
  stop(): Promise<void>;
}

/** What reaches for the network or gets in the way of a scripted workbench, turned off. */
export const E2E_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'files.autoSave': 'off',
  'editor.minimap.enabled': false,
};

function codeServerArgs(dirs: CodeServerDirs): string[] {
  return [CODE_SERVER_ENTRY, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir];
}

export function assertInstalled(): void {
  for (const [what, file] of [
    ['Node 24', NODE24_BIN],
    ['code-server', CODE_SERVER_ENTRY],
  ] as const) {
    if (!existsSync(file)) throw new Error(`${what} is not installed at ${file}: run bash scripts/e2e/setup.sh first`);
  }
}

export function writeUserSettings(dirs: CodeServerDirs, extra: Record<string, unknown> = {}): void {
  const userDir = join(dirs.userDataDir, 'User');
  mkdirSync(userDir, { recursive: true });
  writeFileSync(join(userDir, 'settings.json'), JSON.stringify({ ...E2E_SETTINGS, ...extra }, null, 2));
}

/** `code-server --install-extension VSIX`; throws with code-server's output when it fails. */
export function installExtension(dirs: CodeServerDirs, vsix: string): string {
  const r = spawnSync(NODE24_BIN, [...codeServerArgs(dirs), '--install-extension', vsix, '--force'], {
    env: e2eEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  // When code-server cannot be spawned at all (r.error set), spawnSync leaves stdout/stderr null; @types/node says string.
  const { stdout, stderr } = r as { stdout: string | null; stderr: string | null };
  const output = `${stdout ?? ''}${stderr ?? ''}`.trim();
  if (r.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`installing ${vsix} failed (exit ${r.status ?? r.signal}):\n${output}`);
  }
  return output;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function killGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // the group is gone already
  }
}

function groupAlive(pid: number): boolean {
  return killGroup(pid, 0);
}

/** Starts code-server on WORKSPACE and waits until /healthz answers. */
export async function startCodeServer(
  dirs: CodeServerDirs,
  workspace: string,
  logFile: string,
  extraArgs: string[] = [],
): Promise<RunningCodeServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn(
    NODE24_BIN,
    [
      ...codeServerArgs(dirs),
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      ...extraArgs,
      workspace,
    ],
    // detached: its own process group, so one kill reaches the extension host and helpers too.
    { env: e2eEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error('code-server did not start');
  // Set by the exit listener; `as` keeps TS from narrowing it to null for the loop below.
  let exited = null as string | null;
  child.once('exit', (code, signal) => (exited = `exit ${code ?? signal}`));

  const stop = async (): Promise<void> => {
    killGroup(pid, 'SIGTERM');
    for (let i = 0; i < 30 && groupAlive(pid); i++) await sleep(100);
    killGroup(pid, 'SIGKILL');
    log.end();
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`code-server ended before it was healthy (${exited}); see ${logFile}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer ${url}/healthz within 60 s; see ${logFile}`);
    }
    await sleep(250);
  }
  return { url, pid, logFile, stop };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
