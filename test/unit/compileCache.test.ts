import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { installCompileCache, type CompileCache } from '../../src/cli/compileCache';

// Node's own require, as the CLI's bundles are loaded: the hook under test sits inside it.
const nodeRequire = createRequire(__filename);

const BUNDLE = `exports.answer = 42;
exports.dir = __dirname;
exports.file = __filename;
exports.dep = require('./dep.js').x;
exports.resolved = require.resolve('./dep.js');
exports.thisIsExports = this === module.exports;
`;

describe('the CLI compile cache (V8 code cache for the bundles)', () => {
  let root: string;
  let scope: string;
  let cacheDir: string;
  let hook: CompileCache | undefined;

  const write = (name: string, text: string) => writeFileSync(path.join(scope, name), text);
  const load = (name: string): Record<string, unknown> => {
    const file = path.join(scope, name);
    delete require.cache[file];
    return nodeRequire(file) as Record<string, unknown>;
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'pt-compile-cache-'));
    scope = path.join(root, 'dist');
    cacheDir = path.join(root, 'cache');
    mkdirSync(scope);
    write('dep.js', 'exports.x = "from dep";\n');
    write('bundle.js', BUNDLE);
    hook = installCompileCache(scope, { dir: cacheDir, env: {} });
  });

  afterEach(() => {
    hook?.uninstall();
    for (const f of ['bundle.js', 'dep.js']) delete require.cache[path.join(scope, f)];
    rmSync(root, { recursive: true, force: true });
  });

  it('loads a bundle exactly as Node does: exports, __dirname, __filename, require and require.resolve', () => {
    const m = load('bundle.js');
    assert.deepEqual(m, {
      answer: 42,
      dir: scope,
      file: path.join(scope, 'bundle.js'),
      dep: 'from dep',
      resolved: path.join(scope, 'dep.js'),
      thisIsExports: true,
    });
  });

  it('compiles a bundle once, then loads it from the cache it wrote', () => {
    assert.ok(hook);
    load('bundle.js');
    assert.equal(hook.loaded.get(path.join(scope, 'bundle.js')), 'compiled');
    hook.save();
    assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.bin')).length, 2, 'one cache file per bundle');
    assert.equal(load('bundle.js').answer, 42);
    assert.equal(hook.loaded.get(path.join(scope, 'bundle.js')), 'cached');
  });

  it('a rebuilt bundle of the same length runs its new code, not the cached old one', () => {
    assert.ok(hook);
    load('bundle.js');
    hook.save();
    // Same length: V8's own check of a code cache compares only the source's length.
    write('bundle.js', BUNDLE.replace('42', '43'));
    assert.equal(load('bundle.js').answer, 43);
    assert.equal(hook.loaded.get(path.join(scope, 'bundle.js')), 'compiled');
  });

  it('leaves files outside its folder to Node', () => {
    assert.ok(hook);
    const outside = path.join(root, 'outside.js');
    writeFileSync(outside, 'exports.ok = true;\n');
    assert.equal((nodeRequire(outside) as { ok: boolean }).ok, true);
    assert.equal(hook.loaded.has(outside), false);
    delete require.cache[outside];
  });

  it('is off with PROMPT_TUNER_NO_COMPILE_CACHE=1', () => {
    assert.equal(installCompileCache(scope, { dir: cacheDir, env: { PROMPT_TUNER_NO_COMPILE_CACHE: '1' } }), undefined);
  });
});
