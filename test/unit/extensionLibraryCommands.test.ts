// The library's editor commands against a fake VS Code API and the real store: the save flow the e2e
// drives, insert, apply, compare, import/export, and other processes' writes showing in the tree.
import { fake, Selection, Uri, fakeVscodeModule, type FakeTreeView } from './extensionFakeVscode';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LibraryRepository } from '../../src/core/library/libraryRepository';
import { COMMAND_PREFIX } from '../../src/extension/commandTypes';
import { type HostContext } from '../../src/extension/hostContext';
import { libraryFeature } from '../../src/extension/library/libraryFeature';
import { runCommand } from '../../src/extension/runCommand';
import { fakeExtensionHost } from '../support/fakeExtensionHost';
import { openWorkspaceStore } from '../../src/core/workspaceStore';

const AGENT = '# Support agent\n\nYou are a support agent for Acme Travel.\nAnswer in two sentences or fewer.\n';
const V1_TEXT = 'You are a support agent for Acme Travel.\nAnswer in two sentences or fewer.';

interface Harness {
  ws: string;
  ctx: HostContext;
  view: FakeTreeView;
  run(id: string, ...args: unknown[]): Promise<unknown>;
  roots(): Promise<unknown[]>;
  children(node: unknown): Promise<unknown[]>;
  item(node: unknown): ReturnType<FakeTreeView['options']['treeDataProvider']['getTreeItem']>;
  dispose(): void;
}

const pick = (value: string | undefined) => ({ kind: 'pick' as const, value });
const input = (value: string | undefined) => ({ kind: 'input' as const, value });
const confirm = (value: string | undefined) => ({ kind: 'confirm' as const, value });
const last = (kind: string) => [...fake.messages].reverse().find((m) => m.kind === kind)?.text;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startLibrary(existingWs?: string): Harness {
  fake.reset();
  const ws = existingWs ?? mkdtempSync(path.join(tmpdir(), 'pt-ext-ws-'));
  writeFileSync(path.join(ws, 'agent.md'), AGENT);
  writeFileSync(path.join(ws, 'notes.md'), '# Notes\n\n');
  const host = fakeExtensionHost(ws);
  const { ctx } = host;
  for (const command of libraryFeature(ctx)) {
    fake.commands.set(COMMAND_PREFIX + command.id, (...args: unknown[]) => runCommand(ctx, command, args));
  }
  const view = fake.treeViews.get('promptTuner.library');
  assert.ok(view, 'the Prompt Library tree view is created');
  const provider = view.options.treeDataProvider;
  return {
    ws,
    ctx,
    view,
    run: async (id, ...args) => fake.commands.get(COMMAND_PREFIX + id)!(...args),
    roots: () => provider.getChildren(),
    children: (node) => provider.getChildren(node),
    item: (node) => provider.getTreeItem(node),
    dispose: () => {
      host.dispose();
      rmSync(ws, { recursive: true, force: true });
    },
  };
}

async function openEditor(h: Harness, file: string, start: number, end = start) {
  const editor = await fakeVscodeModule.window.showTextDocument(Uri.file(path.join(h.ws, file)));
  editor.selections = [new Selection(start, end)];
  return editor;
}

async function saveV1(h: Harness): Promise<void> {
  const start = AGENT.indexOf('You are');
  await openEditor(h, 'agent.md', start, start + V1_TEXT.length);
  fake.answers.push(pick('New prompt…'), input('support-agent'), input('first draft'));
  await h.run('library.saveSelection');
}

describe('library commands in the editor (fake VS Code API, real store)', function () {
  this.timeout(30_000);
  let h: Harness;
  beforeEach(() => (h = startLibrary()));
  afterEach(() => h.dispose());

  it('opens no store at activation; the first look at the tree opens <workspace>/.prompt-tuner', async () => {
    assert.equal(existsSync(path.join(h.ws, '.prompt-tuner')), false);
    assert.deepEqual(await h.roots(), []);
    assert.equal(existsSync(path.join(h.ws, '.prompt-tuner')), true);
  });

  it('Save Selection to Library asks "Save to Prompt Library", the name and the label, then stores v1 and shows it', async () => {
    await saveV1(h);
    const quick = fake.quickPicks[0]!;
    assert.equal(quick.title, 'Save to Prompt Library');
    assert.equal(quick.items[0]!.label, 'New prompt…');
    assert.deepEqual(
      fake.inputBoxes.map((b) => b.prompt),
      ['Name of the new prompt', 'Label for this version (optional)'],
    );
    assert.equal(last('info'), 'Saved support-agent v1 to the Prompt Library');
    assert.equal(h.view.revealed.length, 1, 'the new version is revealed in the tree');

    const [prompt] = await h.roots();
    assert.equal(h.item(prompt).label, 'support-agent');
    const [v1] = await h.children(prompt);
    assert.equal(h.item(v1).label, 'v1');
    assert.match(h.item(v1).description ?? '', /^first draft · manual · \d{4}-\d\d-\d\d$/);
    const library = await h.ctx.getLibrary();
    assert.equal(library.resolve({ name: 'support-agent' })?.text, V1_TEXT);
  });

  it('saves a second selection as v2 of a prompt picked by name after "New prompt…"', async () => {
    await saveV1(h);
    await openEditor(h, 'agent.md', 0, AGENT.length);
    fake.answers.push(pick('support-agent'), input(''));
    await h.run('library.saveSelection');
    assert.deepEqual(
      fake.quickPicks[1]!.items.map((i) => i.label),
      ['New prompt…', 'support-agent'],
    );
    assert.equal(last('info'), 'Saved support-agent v2 to the Prompt Library');
    const [prompt] = await h.roots();
    assert.deepEqual(
      (await h.children(prompt)).map((n) => h.item(n).label),
      ['v2', 'v1'],
    );
  });

  it('refuses to save without a selection or an editor, and stores nothing', async () => {
    await h.run('library.saveSelection');
    assert.match(last('error') ?? '', /^Open a file and select the prompt text first/);
    await openEditor(h, 'agent.md', 4);
    await h.run('library.saveSelection');
    assert.match(last('error') ?? '', /^Select some text first/);
    assert.deepEqual(await h.roots(), []);
    assert.equal(fake.quickPicks.length, 0, 'nothing was asked');
  });

  it('Insert into File inserts at the cursor, and into the file even after a version was opened read-only', async () => {
    await saveV1(h);
    const notes = await openEditor(h, 'notes.md', '# Notes\n\n'.length);
    const [prompt] = await h.roots();
    const [v1] = await h.children(prompt);
    await h.run('library.insert', v1);
    assert.equal(notes.document.text, `# Notes\n\n${V1_TEXT}`);

    notes.selections = [new Selection(0, '# Notes'.length)];
    await h.run('library.open', v1);
    assert.equal(fake.activeEditor?.document.uri.scheme, 'prompt-tuner');
    assert.equal(fake.activeEditor.document.text, V1_TEXT, 'Open shows the version text');
    await h.run('library.insert', v1);
    assert.equal(notes.document.text, `${V1_TEXT}\n\n${V1_TEXT}`, 'the selection was replaced in notes.md');
  });

  it('Apply to Context shows "$(symbol-keyword) NAME v1" in the status bar until that version is deleted', async () => {
    await saveV1(h);
    const [prompt] = await h.roots();
    const [v1] = await h.children(prompt);
    await h.run('library.apply', v1);
    const bar = fake.statusBarItems.find((i) => i.id === 'promptTuner.activeContext')!;
    assert.equal(bar.visible, true);
    assert.equal(bar.text, '$(symbol-keyword) support-agent v1');
    assert.match(bar.tooltip, /^Active system prompt/);
    assert.equal((await h.ctx.activeContext.get())?.text, V1_TEXT, 'other features read it from the context');

    fake.answers.push(confirm('Delete'));
    await h.run('library.deleteVersion', v1);
    assert.equal(bar.visible, false);
    assert.deepEqual(await h.roots(), [], 'the prompt went with its only version');
  });

  it('after a reload in a workspace with a store, the status bar shows the active prompt without opening the view', async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'pt-ext-reload-'));
    const store = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
    const library = new LibraryRepository(store);
    library.setActive(library.addVersion({ name: 'support-agent', text: V1_TEXT }).id);
    await store.close();
    const reloaded = startLibrary(ws);
    try {
      const bar = fake.statusBarItems.find((i) => i.id === 'promptTuner.activeContext')!;
      // Read through a function: the assert narrows `bar.visible` to false, but the store read flips it later.
      const visible = (): boolean => bar.visible;
      assert.equal(visible(), false, 'activation itself reads nothing');
      for (let i = 0; i < 100 && !visible(); i++) await sleep(20);
      assert.equal(bar.text, '$(symbol-keyword) support-agent v1');
    } finally {
      reloaded.dispose();
    }
  });

  it('Delete Version keeps the version when the confirmation is dismissed', async () => {
    await saveV1(h);
    const [prompt] = await h.roots();
    const [v1] = await h.children(prompt);
    fake.answers.push(confirm(undefined));
    await h.run('library.deleteVersion', v1);
    assert.equal((await h.roots()).length, 1);
  });

  it('Compare with Previous from the palette offers "NAME v2" and opens a diff "NAME v1 ↔ v2" of read-only documents', async () => {
    await saveV1(h);
    await openEditor(h, 'agent.md', 0, AGENT.length);
    fake.answers.push(pick('support-agent'), input('whole file'));
    await h.run('library.saveSelection');
    fake.answers.push(pick('support-agent v2'));
    await h.run('library.compareWithPrevious');
    assert.deepEqual(
      fake.quickPicks.at(-1)!.items.map((i) => i.label),
      ['support-agent v2'],
      'v1 has nothing before it',
    );
    const diff = fake.executed.find((e) => e.id === 'vscode.diff');
    assert.ok(diff);
    const [left, right, title] = diff.args as [Uri, Uri, string];
    assert.equal(title, 'support-agent v1 ↔ v2');
    const docs = fake.providers.get('prompt-tuner')!;
    assert.equal(await docs.provideTextDocumentContent(left), V1_TEXT);
    assert.equal(await docs.provideTextDocumentContent(right), AGENT);
  });

  it('Import Library names the problem in a bad file and changes nothing; a round trip skips what exists', async () => {
    await saveV1(h);
    const bad = path.join(h.ws, 'bad.json');
    writeFileSync(bad, '{ "prompts": [ ');
    fake.openDialog = [Uri.file(bad)];
    await h.run('library.import');
    assert.match(last('error') ?? '', /bad\.json is not valid JSON.*Nothing was imported/);

    const exported = path.join(h.ws, 'library.json');
    fake.saveDialog = Uri.file(exported);
    await h.run('library.export');
    const data = JSON.parse(readFileSync(exported, 'utf8')) as {
      prompts: { name: string; versions: { text: string }[] }[];
    };
    assert.equal(data.prompts[0]!.versions[0]!.text, V1_TEXT);

    data.prompts[0]!.versions.push({ text: 5 } as unknown as { text: string });
    writeFileSync(bad, JSON.stringify(data));
    await h.run('library.import');
    assert.match(last('error') ?? '', /prompts\[0\]\.versions\[1\]\.text/, 'the JSON path of the bad field is named');

    fake.openDialog = [Uri.file(exported)];
    await h.run('library.import');
    assert.match(last('info') ?? '', /^Nothing new in library\.json/);
    const [prompt] = await h.roots();
    assert.equal((await h.children(prompt)).length, 1);
  });

  it('shows a version saved by another process (the CLI, another window) without a refresh', async () => {
    await h.roots();
    let changes = 0;
    h.view.options.treeDataProvider.onDidChangeTreeData(() => (changes += 1));
    const other = await openWorkspaceStore({ dir: path.join(h.ws, '.prompt-tuner') });
    new LibraryRepository(other).addVersion({ name: 'from-cli', text: 'Be brief.' });
    await other.close();
    for (let i = 0; i < 100 && changes === 0; i++) await sleep(50);
    assert.ok(changes > 0, 'the tree was told to redraw');
    assert.deepEqual(
      (await h.roots()).map((n) => h.item(n).label),
      ['from-cli'],
    );
  });

  it('Filter Library shows the filter in the view title and explains an empty result', async () => {
    await saveV1(h);
    fake.answers.push(input('nothing-like-it'));
    await h.run('library.filter');
    assert.deepEqual(await h.roots(), []);
    assert.equal(h.view.description, 'Filter: nothing-like-it');
    assert.match(h.view.message ?? '', /No prompt matches/);
    await h.run('library.clearFilter');
    assert.equal((await h.roots()).length, 1);
    assert.equal(h.view.description, undefined);
    assert.equal(h.view.message, undefined);
  });
});
