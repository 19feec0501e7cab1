// A V8 code cache for the CLI's bundles (dist/cliMain.js and dist/vendor/*.js: the model SDKs, the price table,
// sql.js). Node 20 has no module.enableCompileCache (it came in 22.1), and compiling those bundles is most of a
// command's start-up: the price table takes ~60 ms cold and ~25 ms with its cache, the OpenAI SDK ~19 ms and ~5 ms.
// The cache is per user, under the OS temp folder, one file per bundle keyed by a hash of its content (V8 itself
// checks only the source's length, and its own version and flags). Any failure falls back to Node's own compile;
// PROMPT_TUNER_NO_COMPILE_CACHE=1 turns the cache off.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Script } from 'node:vm';

/** The parts of Node's CommonJS loader this hook uses (stable since Node 12, not in @types/node). */
interface LoaderInternals {
  wrap(source: string): string;
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: { paths?: string[] }): string;
  _cache: Record<string, unknown>;
  _extensions: Record<string, unknown>;
  prototype: { _compile(this: LoadingModule, content: string, filename: string): unknown };
}

interface LoadingModule {
  exports: unknown;
  require(id: string): unknown;
}

/** The folder the cache lives in, made private to this user; undefined when it cannot be. */
function cacheDir(dir: string): string | undefined {
  const uid = process.getuid?.() ?? 0;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    // A folder someone else made (shared /tmp) is not trusted: its files would be run as code.
    if (process.getuid && st.uid !== uid) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

export interface CompileCacheOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the cache files go; default `<os temp>/prompt-tuner-v8-cache-<uid>`. */
  dir?: string;
}

/** The installed hook: what it loaded, and how to write its cache now and to take it out (tests). */
export interface CompileCache {
  /** Per file compiled so far: whether it came from the cache. */
  readonly loaded: Map<string, 'cached' | 'compiled'>;
  /** Writes the cache of the files compiled without one (done at exit). */
  save(): void;
  uninstall(): void;
}

/** Compiles the CommonJS files under `scope` through a V8 code cache. Call once, before they are required. */
export function installCompileCache(scope: string, options: CompileCacheOptions = {}): CompileCache | undefined {
  if ((options.env ?? process.env).PROMPT_TUNER_NO_COMPILE_CACHE === '1') return undefined;
  const dir = cacheDir(options.dir ?? path.join(tmpdir(), `prompt-tuner-v8-cache-${process.getuid?.() ?? 0}`));
  if (!dir) return undefined;
  const loaded = new Map<string, 'cached' | 'compiled'>();
  const loader = Module as unknown as LoaderInternals;
  const original = loader.prototype._compile;
  const prefix = scope.endsWith(path.sep) ? scope : scope + path.sep;
  const pending: { file: string; script: Script }[] = [];

  const compile = (mod: LoadingModule, content: string, filename: string): unknown => {
    if (!filename.startsWith(prefix) || !filename.endsWith('.js')) return original.call(mod, content, filename);
    const key = createHash('sha256')
      .update(`${filename}\0${process.version}\0${process.arch}\0`)
      .update(content)
      .digest('hex')
      .slice(0, 32);
    const cacheFile = path.join(dir, `${key}.bin`);
    let cached: Buffer | undefined;
    try {
      cached = readFileSync(cacheFile);
    } catch {
      // None yet: compiled below and written at exit.
    }
    const script = new Script(loader.wrap(content), { filename, ...(cached ? { cachedData: cached } : {}) });
    // Written at exit, so the functions that ran (V8 compiles them lazily) are in it too.
    const fromCache = cached !== undefined && script.cachedDataRejected !== true;
    loaded.set(filename, fromCache ? 'cached' : 'compiled');
    if (!fromCache) pending.push({ file: cacheFile, script });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (
      exports: unknown,
      require: unknown,
      module: unknown,
      __filename: string,
      __dirname: string,
    ) => unknown;
    const moduleRequire = Object.assign((id: string) => mod.require(id), {
      resolve: (request: string, options?: { paths?: string[] }) =>
        loader._resolveFilename(request, mod, false, options),
      main: require.main,
      cache: loader._cache,
      extensions: loader._extensions,
    });
    return wrapper.call(mod.exports, mod.exports, moduleRequire, mod, filename, path.dirname(filename));
  };
  loader.prototype._compile = function compileWithCache(this: LoadingModule, content: string, filename: string) {
    return compile(this, content, filename);
  };

  const save = (): void => {
    for (const { file, script } of pending.splice(0)) {
      try {
        const tmp = `${file}.tmp-${process.pid}`;
        const data = script.createCachedData();
        writeFileSync(tmp, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        // A cache that cannot be written costs the next run its compile time, nothing else.
      }
    }
  };
  process.once('exit', save);
  return {
    loaded,
    save,
    uninstall: () => {
      process.removeListener('exit', save);
      loader.prototype._compile = original;
    },
  };
}
