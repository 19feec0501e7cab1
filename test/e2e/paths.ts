// Where the real-VS Code tests keep their tools and runs; mirrors scripts/e2e/env.sh.
import { join, resolve } from 'node:path';

/** The repository root (this file is test/e2e/paths.ts). */
export const REPO_ROOT = resolve(__dirname, '..', '..');
/** Everything the e2e setup installs and every run's scratch folders (gitignored). */
export const E2E_DIR = join(REPO_ROOT, '.e2e');
export const NODE24_DIR = join(E2E_DIR, 'node24');
export const NODE24_BIN = join(NODE24_DIR, 'bin', 'node');
export const CODE_SERVER_VERSION = '4.139.1';
export const CODE_SERVER_ENTRY = join(E2E_DIR, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of every step and of every failure. */
export const RESULTS_DIR = join(REPO_ROOT, 'test-results', 'e2e');
/** The last run's user data, extensions and workspace, kept for a look after a failure. */
export const RUN_DIR = join(E2E_DIR, 'run');

/** Keeps code-server, VS Code, Chromium and Node 24 out of the home folder and /tmp. */
export function e2eEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TMPDIR: join(E2E_DIR, 'tmp'),
    XDG_CONFIG_HOME: join(E2E_DIR, 'xdg', 'config'),
    XDG_DATA_HOME: join(E2E_DIR, 'xdg', 'data'),
    XDG_CACHE_HOME: join(E2E_DIR, 'xdg', 'cache'),
    PATH: `${join(NODE24_DIR, 'bin')}:${process.env.PATH ?? ''}`,
    npm_config_nodedir: NODE24_DIR,
  };
}
