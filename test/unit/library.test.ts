import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibraryFileError } from '../../src/core/library/libraryExport';
import { LibraryError, LibraryRepository, parseVersionRef } from '../../src/core/library/libraryRepository';
import { type Store } from '../../src/core/store/store';
import { openWorkspaceStore } from '../../src/core/workspaceStore';

const dirs: string[] = [];
const stores: Store[] = [];

async function library(dir?: string): Promise<{ lib: LibraryRepository; store: Store; dir: string }> {
  const d = dir ?? join(mkdtempSync(join(tmpdir(), 'pt-lib-')), '.prompt-tuner');
  if (!dir) dirs.push(d);
  const store = await openWorkspaceStore({ dir: d, onNotice: () => {} });
  stores.push(store);
  return { lib: new LibraryRepository(store), store, dir: d };
}

function libraryError(field: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof LibraryError, `expected LibraryError, got ${String(e)}`);
    assert.equal(e.field, field);
    assert.ok(e.message.startsWith(`${field}:`), e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(join(d, '..'), { recursive: true, force: true });
});

describe('library: versions', () => {
  it('numbers versions 1, 2, 3 per prompt and lists them newest first', async () => {
    const { lib } = await library();
    const v1 = lib.addVersion({ name: 'travel', text: 'Be helpful.' });
    const v2 = lib.addVersion({ name: 'travel', text: 'Be helpful. Use tools.', label: 'tools' });
    const other = lib.addVersion({ name: 'billing', text: 'Be exact.' });
    assert.deepEqual([v1.version, v2.version, other.version], [1, 2, 1]);
    assert.equal(v2.promptId, v1.promptId);
    assert.deepEqual(
      lib.listVersions(v1.promptId).map((v) => v.version),
      [2, 1],
    );
    const summaries = lib.listPrompts();
    assert.deepEqual(
      summaries.map((p) => [p.name, p.versionCount, p.latestVersion]),
      [
        ['billing', 1, 1],
        ['travel', 2, 2],
      ],
    );
  });

  it('stores every field and reads it back the same way', async () => {
    const { lib } = await library();
    const parent = lib.addVersion({ name: 'p', text: 'base' });
    const v = lib.addVersion({
      name: '  p  ',
      text: 'tuned text\n',
      label: '  best  ',
      source: 'tuned',
      score: 0.75,
      runId: 'run-1',
      parentVersionId: parent.id,
    });
    assert.deepEqual(
      { ...v, createdAt: typeof v.createdAt },
      {
        id: v.id,
        promptId: parent.promptId,
        promptName: 'p',
        version: 2,
        text: 'tuned text\n',
        label: 'best',
        source: 'tuned',
        createdAt: 'string',
        score: 0.75,
        runId: 'run-1',
        parentVersionId: parent.id,
      },
    );
    assert.ok(!Number.isNaN(Date.parse(v.createdAt)));
    assert.deepEqual(lib.getVersion(v.id), v);
  });

  it('never reuses a version number, even after deleting the latest or every version', async () => {
    const { lib } = await library();
    lib.addVersion({ name: 'p', text: 'one' });
    const v2 = lib.addVersion({ name: 'p', text: 'two' });
    lib.deleteVersion(v2.id);
    assert.equal(lib.addVersion({ name: 'p', text: 'three' }).version, 3);
    for (const v of lib.listVersions(v2.promptId)) lib.deleteVersion(v.id);
    assert.deepEqual(lib.listPrompts(), [], 'a prompt with no versions is not listed');
    assert.equal(lib.resolve({ name: 'p' }), undefined);
    assert.equal(lib.addVersion({ name: 'p', text: 'four' }).version, 4);
  });

  it('keeps counting when two stores (two windows, or the CLI) are open on one folder', async () => {
    const { lib, dir } = await library();
    lib.addVersion({ name: 'p', text: 'one' });
    const other = (await library(dir)).lib;
    assert.equal(other.addVersion({ name: 'p', text: 'two' }).version, 2);
    assert.equal(lib.addVersion({ name: 'p', text: 'three' }).version, 3);
  });

  it('changes only the label of an existing version', async () => {
    const { lib } = await library();
    const v = lib.addVersion({ name: 'p', text: 'text', label: 'old' });
    const renamed = lib.renameLabel(v.id, 'new');
    assert.deepEqual(renamed, { ...v, label: 'new' });
    assert.deepEqual(lib.renameLabel(v.id, '   '), { ...v, label: null });
    assert.throws(() => lib.renameLabel(v.id + 100, 'x'), libraryError('versionId', /no version/));
  });

  it('resolves NAME and NAME@VERSION, and finds the previous existing version', async () => {
    const { lib } = await library();
    const v1 = lib.addVersion({ name: 'p', text: 'one' });
    const v2 = lib.addVersion({ name: 'p', text: 'two' });
    const v3 = lib.addVersion({ name: 'p', text: 'three' });
    assert.equal(lib.resolve({ name: 'p' })?.id, v3.id);
    assert.equal(lib.resolve({ name: 'p', version: 1 })?.id, v1.id);
    assert.equal(lib.resolve({ name: 'p', version: 9 }), undefined);
    assert.equal(lib.resolve({ name: 'q' }), undefined);
    lib.deleteVersion(v2.id);
    assert.equal(lib.previousVersion(v3.id)?.id, v1.id);
    assert.equal(lib.previousVersion(v1.id), undefined);
  });

  it('rejects bad input with an error naming the field, writing nothing', async () => {
    const { lib, store } = await library();
    assert.throws(() => lib.addVersion({ name: '   ', text: 'x' }), libraryError('name', /empty/));
    assert.throws(() => lib.addVersion({ name: 'n'.repeat(201), text: 'x' }), libraryError('name', /200/));
    assert.throws(() => lib.addVersion({ name: 'p', text: ' \n ' }), libraryError('text', /empty/));
    assert.throws(
      () => lib.addVersion({ name: 'p', text: 'x', source: 'magic' as never }),
      libraryError('source', /manual, tuned/),
    );
    assert.throws(() => lib.addVersion({ name: 'p', text: 'x', score: 1.5 }), libraryError('score'));
    assert.throws(() => lib.addVersion({ name: 'p', text: 'x', label: 'l'.repeat(201) }), libraryError('label'));
    assert.throws(
      () => lib.addVersion({ name: 'p', text: 'x', parentVersionId: 999 }),
      libraryError('parentVersionId', /no version/),
    );
    assert.equal(lib.addVersion({ name: 'n'.repeat(200), text: 'x' }).promptName.length, 200);
    assert.equal(store.get<{ n: number }>('SELECT count(*) AS n FROM prompt_versions')?.n, 1);
  });

  it('filters prompts by name or label, ignoring case', async () => {
    const { lib } = await library();
    lib.addVersion({ name: 'Travel desk', text: 'a' });
    lib.addVersion({ name: 'billing', text: 'b', label: 'Travel-ready' });
    lib.addVersion({ name: 'support', text: 'c' });
    assert.deepEqual(
      lib.listPrompts('TRAVEL').map((p) => p.name),
      ['billing', 'Travel desk'],
    );
    assert.deepEqual(lib.listPrompts('  ').length, 3);
  });
});

describe('library: deleting and the active context', () => {
  it('sets, reads and clears the active version', async () => {
    const { lib } = await library();
    const v = lib.addVersion({ name: 'p', text: 'one' });
    assert.equal(lib.getActive(), undefined);
    lib.setActive(v.id);
    assert.equal(lib.getActive()?.id, v.id);
    lib.setActive(null);
    assert.equal(lib.getActive(), undefined);
    assert.throws(() => lib.setActive(v.id + 50), libraryError('versionId'));
  });

  it('clears the active context when the active version is deleted', async () => {
    const { lib } = await library();
    const v1 = lib.addVersion({ name: 'p', text: 'one' });
    const v2 = lib.addVersion({ name: 'p', text: 'two' });
    lib.setActive(v1.id);
    lib.deleteVersion(v2.id);
    assert.equal(lib.getActive()?.id, v1.id, 'deleting another version keeps the context');
    lib.deleteVersion(v1.id);
    assert.equal(lib.getActive(), undefined);
  });

  it('deletes a prompt with all its versions and clears the context if it was one of them', async () => {
    const { lib, store } = await library();
    const a = lib.addVersion({ name: 'a', text: 'one' });
    lib.addVersion({ name: 'a', text: 'two' });
    const b = lib.addVersion({ name: 'b', text: 'keep' });
    lib.setActive(a.id);
    lib.deletePrompt(a.promptId);
    assert.deepEqual(
      lib.listPrompts().map((p) => p.name),
      ['b'],
    );
    assert.equal(
      store.get<{ n: number }>('SELECT count(*) AS n FROM prompt_versions WHERE prompt_id = ?', [a.promptId])?.n,
      0,
    );
    assert.equal(lib.getActive(), undefined);
    assert.equal(lib.getVersion(b.id)?.text, 'keep');
    assert.throws(() => lib.deletePrompt(a.promptId), libraryError('promptId', /no prompt/));
    assert.throws(() => lib.deleteVersion(a.id), libraryError('versionId', /no version/));
  });
});

describe('library: export and import', () => {
  it('round-trips through export and import into another store, keeping text, labels, sources, scores and parents', async () => {
    const { lib } = await library();
    const base = lib.addVersion({ name: 'travel', text: 'Be helpful.', label: 'baseline' });
    lib.addVersion({
      name: 'travel',
      text: 'Be helpful. Use tools.',
      source: 'tuned',
      score: 0.9,
      runId: 'r1',
      parentVersionId: base.id,
    });
    lib.addVersion({ name: 'billing', text: 'Be exact.' });
    const file = JSON.parse(JSON.stringify(lib.exportLibrary())) as unknown;
    assert.equal((file as { format: string }).format, 'prompt-tuner-library');

    const target = (await library()).lib;
    assert.deepEqual(target.importLibrary(file), { prompts: 2, versions: 3, skipped: 0 });
    const strip = (l: LibraryRepository) =>
      l.listPrompts().flatMap((p) =>
        l.listVersions(p.id).map((v) => ({
          name: v.promptName,
          version: v.version,
          text: v.text,
          label: v.label,
          source: v.source,
          score: v.score,
          runId: v.runId,
          parent: v.parentVersionId === null ? null : l.getVersion(v.parentVersionId)?.version,
        })),
      );
    assert.deepEqual(strip(target), strip(lib));
  });

  it('skips exact duplicates (same name, text and label) and adds the rest as new versions', async () => {
    const { lib } = await library();
    lib.addVersion({ name: 'p', text: 'one', label: 'a' });
    const file = lib.exportLibrary();
    assert.deepEqual(lib.importLibrary(file), { prompts: 0, versions: 0, skipped: 1 });
    const changed = structuredClone(file);
    changed.prompts[0]!.versions.push({ text: 'one', label: 'other label' }, { text: 'two' });
    assert.deepEqual(lib.importLibrary(changed), { prompts: 1, versions: 2, skipped: 1 });
    const versions = lib.listVersions(lib.resolve({ name: 'p' })!.promptId);
    assert.deepEqual(
      versions.map((v) => [v.version, v.text, v.label, v.source]),
      [
        [3, 'two', null, 'imported'],
        [2, 'one', 'other label', 'imported'],
        [1, 'one', 'a', 'manual'],
      ],
    );
  });

  it('rejects an invalid file with an error naming the JSON path, importing nothing', async () => {
    const { lib, store } = await library();
    const bad = {
      format: 'prompt-tuner-library',
      version: 1,
      exportedAt: new Date().toISOString(),
      prompts: [
        { name: 'ok', versions: [{ text: 'fine' }] },
        { name: 'broken', versions: [{ text: 'fine' }, { text: 'x', source: 'stolen' }] },
      ],
    };
    assert.throws(() => lib.importLibrary(bad), libraryError('prompts[1].versions[1].source'));
    assert.throws(
      () => lib.importLibrary({ ...bad, prompts: [{ name: '', versions: [] }] }),
      libraryError('prompts[0].name', /empty/),
    );
    assert.throws(() => lib.importLibrary({ ...bad, format: 'something-else' }), libraryError('format'));
    assert.throws(() => lib.importLibrary([]), libraryError('(top level)'));
    assert.equal(store.get<{ n: number }>('SELECT count(*) AS n FROM prompt_versions')?.n, 0);
  });
});

describe('parseVersionRef', () => {
  it('reads NAME and NAME@VERSION', () => {
    assert.deepEqual(parseVersionRef('travel'), { name: 'travel' });
    assert.deepEqual(parseVersionRef(' travel desk@12 '), { name: 'travel desk', version: 12 });
    assert.deepEqual(parseVersionRef('me@example.com'), { name: 'me@example.com' });
    assert.deepEqual(parseVersionRef('team@home@3'), { name: 'team@home', version: 3 });
  });

  it('rejects a malformed reference with a message saying what is wrong', () => {
    assert.throws(() => parseVersionRef('travel@'), libraryError('version', /missing/));
    assert.throws(() => parseVersionRef('travel@0'), libraryError('version', /1 or more/));
    assert.throws(() => parseVersionRef('travel@v2'), libraryError('version', /whole number/));
    assert.throws(() => parseVersionRef('travel@1.5'), libraryError('version', /whole number/));
    assert.throws(() => parseVersionRef('@3'), libraryError('name', /empty/));
    assert.throws(() => parseVersionRef(''), libraryError('name', /empty/));
  });
});

describe('library: import file problems', () => {
  it('exportedAt is optional, and every problem (up to 10) is listed with its JSON path', async () => {
    const { lib } = await library();
    assert.deepEqual(
      lib.importLibrary({
        format: 'prompt-tuner-library',
        version: 1,
        prompts: [{ name: 'a', versions: [{ text: 'x' }] }],
      }),
      { prompts: 1, versions: 1, skipped: 0 },
    );
    const many = {
      format: 'prompt-tuner-library',
      version: 1,
      prompts: Array.from({ length: 12 }, (_, i) => ({ name: `p${i}`, versions: [{ text: '' }] })),
    };
    assert.throws(
      () => lib.importLibrary(many),
      (e: unknown) => {
        assert.ok(e instanceof LibraryFileError);
        assert.equal(e.field, 'prompts[0].versions[0].text');
        assert.equal(e.problems.length, 12);
        const lines = e.message.split('\n');
        assert.equal(lines.length, 11, 'ten problems, then how many more');
        assert.match(lines[1]!, /^prompts\[1\]\.versions\[0\]\.text: must not be empty$/);
        assert.equal(lines[10], '… and 2 more problems');
        return true;
      },
    );
  });
});
