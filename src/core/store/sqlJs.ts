// Loads sql.js on first use (never at extension activation), from the wasm file beside the bundle
// (dist/sql-wasm.wasm) or, when running from source, from node_modules.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InitSqlJsStatic, SqlJsStatic } from 'sql.js';

const loaded = new Map<string, Promise<SqlJsStatic>>();

export function defaultWasmPath(): string {
  const beside = join(__dirname, 'sql-wasm.wasm');
  // Joined at run time so the bundler leaves this fallback (for running from source) alone.
  return existsSync(beside) ? beside : require.resolve(['sql.js', 'dist', 'sql-wasm.wasm'].join('/'));
}

export function loadSqlJs(wasmPath = defaultWasmPath()): Promise<SqlJsStatic> {
  let p = loaded.get(wasmPath);
  if (!p) {
    p = (async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded here, lazily, not at activation
      const initSqlJs = require('sql.js') as InitSqlJsStatic;
      const wasmBinary = readFileSync(wasmPath);
      const bytes = wasmBinary.buffer.slice(
        wasmBinary.byteOffset,
        wasmBinary.byteOffset + wasmBinary.byteLength,
      ) as ArrayBuffer;
      return initSqlJs({ wasmBinary: bytes });
    })();
    p.catch(() => loaded.delete(wasmPath));
    loaded.set(wasmPath, p);
  }
  return p;
}
