// One deterministic build: the extension host and the CLI as CommonJS for Node, each panel under
// webview/<name>/main.ts as a browser bundle at dist/webview/<name>.js, and the assets they load at run time.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // sql.js looks for fs/path/crypto only in Node; the wasm file is copied beside the bundle.
  external: ['vscode'],
};

const webviewEntries = existsSync('webview')
  ? readdirSync('webview')
      .filter((d) => statSync(join('webview', d)).isDirectory() && existsSync(join('webview', d, 'main.ts')))
      .map((d) => ({ in: join('webview', d, 'main.ts'), out: d }))
  : [];

const builds = [
  { ...nodeCommon, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  {
    ...nodeCommon,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
];
if (webviewEntries.length > 0) {
  builds.push({
    ...common,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
  });
}

function copyAssets() {
  mkdirSync('dist/codicons', { recursive: true });
  copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
  copyFileSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/codicons/codicon.css');
  copyFileSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/codicons/codicon.ttf');
}

if (watch) {
  copyAssets();
  for (const b of builds) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
  console.log('watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyAssets();
}
