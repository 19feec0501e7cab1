// Where promptfoo and a Node that runs it are. promptfoo needs Node ≥ 22.22; the extension host and the
// CLI may run on an older Node (or on Electron), so the worker runs under the first Node found that is new
// enough. The option or environment variable (PROMPT_TUNER_PROMPTFOO_DIR, PROMPT_TUNER_NODE) when set, and
// only it; else the workspace, this repository's test install (.e2e/, made by scripts/setup-promptfoo.sh),
// then (for Node) the running one and `node` on PATH.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EvaluatorOptions } from './evaluator';

export const MIN_NODE = '22.22.0';

/** Folder (with node_modules/promptfoo) and version of the promptfoo to use, or why there is none. */
export function findPromptfoo(
  options: EvaluatorOptions,
  env: NodeJS.ProcessEnv = process.env,
): { dir: string; version: string } | { problem: string } {
  const cwd = options.cwd ?? process.cwd();
  // A folder given explicitly is the only one tried: a wrong setting must show, not be papered over.
  const given = options.promptfooDir ?? env.PROMPT_TUNER_PROMPTFOO_DIR;
  const candidates = (given ? [given] : [cwd, path.join(cwd, '.e2e', 'promptfoo'), repoTestInstall()]).filter(
    (d): d is string => !!d,
  );
  for (const dir of candidates) {
    const pkg = path.join(dir, 'node_modules', 'promptfoo', 'package.json');
    if (!existsSync(pkg)) continue;
    try {
      const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version;
      return { dir: path.resolve(dir), version: typeof version === 'string' ? version : 'unknown' };
    } catch {
      continue;
    }
  }
  return {
    problem: `promptfoo is not installed (looked in ${[...new Set(candidates)].map((d) => path.join(d, 'node_modules')).join(', ')}; install it with \`npm install promptfoo\` in the workspace)`,
  };
}

/** <repo>/.e2e/promptfoo when running from this repository's sources or its dist/. */
function repoTestInstall(): string | undefined {
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'scripts', 'setup-promptfoo.sh'))) return path.join(dir, '.e2e', 'promptfoo');
  }
  return undefined;
}

export function versionAtLeast(version: string, min: string): boolean {
  const a = version
    .replace(/^v/, '')
    .split('.')
    .map((n) => Number.parseInt(n, 10) || 0);
  const b = min.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

function nodeVersionOf(bin: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      bin,
      ['-p', 'process.versions.node'],
      { timeout: 10_000, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
      (err, stdout) => resolve(err ? null : stdout.trim() || null),
    );
  });
}

/** The first Node ≥ MIN_NODE, or why there is none. */
export async function findNode(
  options: EvaluatorOptions,
  promptfooDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ bin: string; version: string } | { problem: string }> {
  const cwd = options.cwd ?? process.cwd();
  const given = options.nodePath ?? env.PROMPT_TUNER_NODE;
  const candidates = (
    given
      ? [given]
      : [
          path.join(cwd, '.e2e', 'node24', 'bin', 'node'),
          path.join(path.dirname(promptfooDir), 'node24', 'bin', 'node'),
          process.versions.electron === undefined ? process.execPath : undefined,
          'node',
        ]
  ).filter((c): c is string => !!c && (c === 'node' || c === given || existsSync(c)));
  const seen: string[] = [];
  for (const bin of [...new Set(candidates)]) {
    const version = await nodeVersionOf(bin);
    if (version && versionAtLeast(version, MIN_NODE)) return { bin, version };
    seen.push(`${bin} (${version ?? 'does not run'})`);
  }
  return {
    problem: `promptfoo needs Node ≥ ${MIN_NODE}; found ${seen.join(', ') || 'none'} (set PROMPT_TUNER_NODE to a newer node)`,
  };
}
