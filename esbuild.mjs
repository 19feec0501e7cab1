// One deterministic build: the extension host and the CLI as CommonJS for Node, each panel under
// webview/<name>/main.ts as a browser bundle at dist/webview/<name>.js, and the assets they load at run time.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

// The model SDKs, sql.js, node-postgres and the tokenizer (2 MB of encodings) are big and needed only on first
// use: each becomes its own file under dist/vendor/, required lazily, so loading the extension (activation) never
// parses them.
const VENDOR = {
  openai: 'openai',
  '@anthropic-ai/sdk': 'anthropic',
  'sql.js': 'sqljs',
  '@pydantic/genai-prices': 'prices',
  pg: 'pg',
  'gpt-tokenizer': 'tokenizer',
};
const require = createRequire(import.meta.url);

const lazyVendor = {
  name: 'lazy-vendor',
  setup(build) {
    const filter = new RegExp(
      `^(${Object.keys(VENDOR)
        .map((k) => k.replace(/[/.]/g, '\\$&'))
        .join('|')})$`,
    );
    build.onResolve({ filter }, (args) => ({ path: `./vendor/${VENDOR[args.path]}.js`, external: true }));
  },
};

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  plugins: [lazyVendor],
};

const vendorBuild = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  entryPoints: Object.entries(VENDOR).map(([pkg, out]) => ({ in: require.resolve(pkg), out })),
  outdir: 'dist/vendor',
  // pg loads its libpq binding only when asked for (new pg.native); we never ask, and it is not installed.
  external: ['pg-native'],
};

const webviewEntries = existsSync('webview')
  ? readdirSync('webview')
      .filter((d) => statSync(join('webview', d)).isDirectory() && existsSync(join('webview', d, 'main.ts')))
      .map((d) => ({ in: join('webview', d, 'main.ts'), out: d }))
  : [];

const builds = [
  vendorBuild,
  { ...nodeCommon, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  // The bin is a few lines that turn the V8 code cache on and then load the CLI's bundle beside it.
  {
    ...nodeCommon,
    entryPoints: ['src/cli/bin.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
  { ...nodeCommon, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cliMain.js' },
  // The promptfoo evaluator's child process (run under a Node ≥ 22.22), found beside the bundle that forks it.
  { ...nodeCommon, entryPoints: ['src/core/scale/grading/promptfooWorker.ts'], outfile: 'dist/promptfooWorker.js' },
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
  // A clean dist/ so a package never ships a stale file (an old source map, a removed panel).
  rmSync('dist', { recursive: true, force: true });
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyAssets();
}
