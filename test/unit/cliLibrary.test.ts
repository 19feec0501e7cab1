import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(cwd: string, ...argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    cwd,
    env: {},
    signal: new AbortController().signal,
  });
  return { code, out, err };
}

function snapshotFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) out.set(name, readFileSync(join(dir, name)).toString('base64'));
  return out;
}

describe('cli: prompt-tuner library', () => {
  let root: string;
  let ws: string;
  let storeDir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'pt-cli-lib-'));
    ws = join(root, 'workspace');
    mkdirSync(ws);
    storeDir = join(ws, '.prompt-tuner');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('adds, lists, shows, exports and imports, with exit code 0', async () => {
    writeFileSync(join(ws, 'prompt.txt'), 'You are a helpful travel assistant.\nAlways confirm dates.\n');
    const add1 = await cli(ws, 'library', 'add', 'travel desk', '--file', 'prompt.txt', '--label', 'baseline');
    assert.equal(add1.code, 0, add1.err);
    assert.equal(add1.out, 'Saved travel desk v1 "baseline" to the Prompt Library\n');
    const add2 = await cli(
      root,
      'library',
      'add',
      'travel desk',
      '--text',
      'Be brief.',
      '--source',
      'tuned',
      '--json',
      '--workspace',
      'workspace',
    );
    assert.equal(add2.code, 0, add2.err);
    const v2 = JSON.parse(add2.out) as { version: number; source: string; text: string };
    assert.deepEqual([v2.version, v2.source, v2.text], [2, 'tuned', 'Be brief.']);
    assert.equal((await cli(ws, 'library', 'add', 'billing', '--text', 'Be exact.')).code, 0);

    const list = await cli(ws, 'library', 'list');
    assert.equal(list.code, 0);
    const lines = list.out.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+VERSIONS\s+LATEST\s+UPDATED$/);
    assert.match(lines[1]!, /^billing\s+1\s+v1\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.match(lines[2]!, /^travel desk\s+2\s+v2\s+/);
    const listJson = JSON.parse((await cli(ws, 'library', 'list', '--json')).out) as {
      name: string;
      versionCount: number;
    }[];
    assert.deepEqual(
      listJson.map((p) => [p.name, p.versionCount]),
      [
        ['billing', 1],
        ['travel desk', 2],
      ],
    );

    const show = await cli(ws, 'library', 'show', 'travel desk@1');
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, /^travel desk v1 {2}"baseline"\n/);
    assert.ok(show.out.includes('You are a helpful travel assistant.\nAlways confirm dates.\n'));
    const latest = JSON.parse((await cli(ws, 'library', 'show', 'travel desk', '--json')).out) as { version: number };
    assert.equal(latest.version, 2);

    const exportFile = join(root, 'library.json');
    const exp = await cli(ws, 'library', 'export', exportFile);
    assert.equal(exp.code, 0, exp.err);
    assert.match(exp.out, /Exported 2 prompts \(3 versions\)/);
    const stdoutExport = await cli(ws, 'library', 'export');
    assert.deepEqual(
      { ...JSON.parse(stdoutExport.out), exportedAt: 0 },
      { ...JSON.parse(readFileSync(exportFile, 'utf8')), exportedAt: 0 },
    );

    const other = join(root, 'other');
    mkdirSync(other);
    const imp = await cli(other, 'library', 'import', exportFile);
    assert.equal(imp.code, 0, imp.err);
    assert.match(imp.out, /Imported 3 versions into 2 prompts/);
    const again = await cli(other, 'library', 'import', exportFile, '--json');
    assert.deepEqual(JSON.parse(again.out), { prompts: 0, versions: 0, skipped: 3 });
    const otherShow = JSON.parse((await cli(other, 'library', 'show', 'travel desk@1', '--json')).out) as {
      text: string;
      label: string;
    };
    assert.deepEqual(
      [otherShow.text, otherShow.label],
      ['You are a helpful travel assistant.\nAlways confirm dates.\n', 'baseline'],
    );
  });

  it('reads an empty workspace without creating a store', async () => {
    const list = await cli(ws, 'library', 'list');
    assert.equal(list.code, 0);
    assert.match(list.out, /is empty/);
    const exp = await cli(ws, 'library', 'export');
    assert.equal(exp.code, 0);
    assert.deepEqual(JSON.parse(exp.out).prompts, []);
    assert.equal(existsSync(storeDir), false);
  });

  it('exits 2 on bad input, says what is wrong, and writes nothing', async () => {
    assert.equal((await cli(ws, 'library', 'add', 'p', '--text', 'one')).code, 0);
    const before = snapshotFiles(storeDir);
    writeFileSync(
      join(root, 'bad.json'),
      JSON.stringify({
        format: 'prompt-tuner-library',
        version: 1,
        exportedAt: 'x',
        prompts: [{ name: 'q', versions: [{ text: '' }] }],
      }),
    );
    writeFileSync(join(root, 'notjson.json'), '{ nope');
    const cases: Array<[string[], RegExp]> = [
      [['library', 'add', 'p'], /exactly one of --file F or --text T/],
      [['library', 'add', 'p', '--text', 'a', '--file', 'f'], /exactly one of/],
      [['library', 'add', 'p', '--text', '   '], /--text: must not be empty/],
      [['library', 'add', '   ', '--text', 'x'], /NAME: must not be empty/],
      [['library', 'add', 'p', '--text', 'x', '--source', 'stolen'], /--source: must be one of manual/],
      [['library', 'add', 'p', '--file', join(root, 'missing.txt')], /--file: cannot read .*ENOENT/],
      [['library', 'add', 'p', '--text', 'x', '--bogus'], /bogus/],
      [['library', 'add', 'p', '--text', 'x', '--workspace', join(root, 'nowhere')], /--workspace: no such folder/],
      [['library', 'show'], /missing NAME/],
      [['library', 'show', 'p@0'], /version: must be 1 or more/],
      [['library', 'show', 'p@7'], /"p" has no version 7 \(latest is v1\)/],
      [['library', 'show', 'nobody'], /no prompt named "nobody"/],
      [['library', 'import', join(root, 'bad.json')], /prompts\[0\]\.versions\[0\]\.text: must not be empty/],
      [['library', 'import', join(root, 'notjson.json')], /notjson\.json: invalid JSON at line 1:3: /],
      [['library', 'import', join(root, 'missing.json')], /cannot read/],
      [['library', 'import'], /missing FILE/],
      [['library', 'list', 'extra'], /unexpected argument: extra/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(ws, ...argv);
      assert.equal(r.code, 2, `${argv.join(' ')} → ${r.code}: ${r.err}`);
      assert.match(r.err, message, argv.join(' '));
      assert.equal(r.out, '', argv.join(' '));
    }
    assert.deepEqual(snapshotFiles(storeDir), before);
    assert.equal(existsSync(join(root, 'nowhere')), false);
  });

  it('prints help for every library command with exit 0', async () => {
    for (const cmd of ['list', 'show', 'add', 'export', 'import']) {
      const r = await cli(ws, 'library', cmd, '--help');
      assert.equal(r.code, 0);
      assert.match(r.out, new RegExp(`^Usage: prompt-tuner library ${cmd}`));
      assert.match(r.out, /--workspace DIR/);
    }
    const group = await cli(ws, 'library', '--help');
    assert.equal(group.code, 0);
    for (const cmd of ['list', 'show', 'add', 'export', 'import'])
      assert.match(group.out, new RegExp(`library ${cmd}`));
  });
});
