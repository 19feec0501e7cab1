// `npm run package` (after the production build): the VSIX, made offline by vsce with no dependency
// scan (everything the extension needs is bundled into dist/). Prints the VSIX path, its size and a
// summary of what it holds, and refuses to ship files outside the allowed set.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outArg = process.argv.indexOf('--out');
const vsixPath = resolve(root, outArg > 0 ? process.argv[outArg + 1] : `${manifest.name}-${manifest.version}.vsix`);
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');

// Top-level entries a VSIX may hold; anything else means .vscodeignore lets too much through.
const ALLOWED = [
  /^dist\//,
  /^media\//,
  /^schemas\//,
  /^package\.json$/,
  /^README\.md$/i,
  /^CHANGELOG\.md$/i,
  /^LICENSE(\.md|\.txt)?$/i,
];

function runVsce(args) {
  return execFileSync(process.execPath, [vsce, ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CI: 'true' },
  });
}

for (const required of ['dist/extension.js', 'LICENSE', 'README.md']) {
  if (!existsSync(join(root, required))) {
    console.error(`package: ${required} is missing (run the build first: npm run build)`);
    process.exit(1);
  }
}

// Source maps left by a development build describe the old bundles, not the minified ones that the
// production build just wrote; drop them so they neither ship nor mislead a debugger.
for (const entry of readdirSync(join(root, 'dist'), { recursive: true })) {
  if (String(entry).endsWith('.map')) rmSync(join(root, 'dist', String(entry)));
}

// The same file list vsce packs, used for the summary and the allow-list check.
const files = runVsce(['ls', '--no-dependencies'])
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.length > 0);
const stray = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
if (stray.length > 0) {
  console.error(`package: .vscodeignore lets through files that must not ship:\n  ${stray.join('\n  ')}`);
  process.exit(1);
}

runVsce([
  'package',
  '--no-dependencies',
  '--allow-missing-repository',
  '--no-rewrite-relative-links',
  '--out',
  vsixPath,
]);

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`VSIX: ${vsixPath}`);
console.log(`size: ${kib(statSync(vsixPath).size)} (${files.length} files)`);
// Few files: list them all; many: one line per folder.
const rows = new Map();
for (const f of files) {
  const key = files.length <= 30 || !f.includes('/') ? f : `${f.slice(0, f.lastIndexOf('/') + 1)}*`;
  const row = rows.get(key) ?? { count: 0, bytes: 0 };
  row.count += 1;
  row.bytes += statSync(join(root, f)).size;
  rows.set(key, row);
}
for (const [key, row] of [...rows.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
  const count = row.count > 1 ? ` (${row.count} files)` : '';
  console.log(`  ${key.padEnd(34)} ${kib(row.bytes).padStart(11)}${count}`);
}
