// What the Prompt Library's tree, pickers, hovers and status bar say, without VS Code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { PromptVersion } from '../../src/core/library/types';
import {
  PROMPT_CONTEXT_VALUE,
  codeBlock,
  diffTitle,
  escapeMarkdown,
  formatDate,
  formatScore,
  pickDescription,
  promptDescription,
  promptNameProblem,
  selectedText,
  statusBarText,
  statusBarTooltip,
  truncateText,
  versionContextValue,
  versionDescription,
  versionDocumentParts,
  versionIdFromQuery,
  versionTitle,
  versionTooltipMarkdown,
} from '../../src/extension/library/libraryPresentation';
import { storeLocation } from '../../src/extension/storeLocation';

interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string; when?: string; group?: string }[]>;
  };
}
const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as Manifest;

/** Evaluates the `viewItem` terms of a menu's when clause (the view term is taken as true). */
function whenHolds(when: string | undefined, viewItem: string): boolean {
  if (!when) return true;
  return when.split('&&').every((term) => {
    const t = term.trim();
    const regex = /^viewItem =~ \/(.+)\/$/.exec(t);
    if (regex) return new RegExp(regex[1]!).test(viewItem);
    const equal = /^viewItem == (.+)$/.exec(t);
    if (equal) return equal[1] === viewItem;
    return true;
  });
}

function version(overrides: Partial<PromptVersion> = {}): PromptVersion {
  return {
    id: 12,
    promptId: 3,
    promptName: 'travel-agent',
    version: 3,
    text: 'You are a helpful travel assistant.\nAlways call a tool.',
    label: null,
    source: 'manual',
    createdAt: new Date(2026, 10, 22, 9, 5).toISOString(),
    score: null,
    runId: null,
    parentVersionId: null,
    ...overrides,
  };
}

/** Code-block fences in a Markdown text: a fence line is three or more backticks, optionally a language. */
function fenceLines(markdown: string): string[] {
  return markdown.split('\n').filter((line) => /^`{3,}[a-z]*$/.test(line));
}

describe('library presentation', () => {
  it('names a version "NAME vN" for pickers and the status bar', () => {
    assert.equal(versionTitle(version()), 'travel-agent v3');
    assert.equal(statusBarText(version({ version: 1 })), '$(symbol-keyword) travel-agent v1');
  });

  it('describes a version as label · source · date · score, leaving out what is absent', () => {
    const date = formatDate(version().createdAt);
    assert.equal(versionDescription(version()), `manual · ${date}`);
    assert.equal(
      versionDescription(version({ label: 'best', source: 'tuned', score: 0.873 })),
      `best · tuned · ${date} · 87%`,
    );
    assert.equal(versionDescription(version({ label: 'x' }), { active: true }), `active · x · manual · ${date}`);
    assert.equal(pickDescription(version({ label: 'best', score: 0.5 })), `best · manual · ${date}`);
  });

  it('formats the local calendar date and keeps text that is not a date', () => {
    assert.equal(formatDate(new Date(2026, 0, 5, 23, 59).toISOString()), '2026-01-05');
    assert.equal(formatDate('not a date'), 'not a date');
  });

  it('shows a score of 0 as 0% and no score as nothing', () => {
    assert.equal(formatScore(0), '0%');
    assert.equal(formatScore(1), '100%');
    assert.equal(formatScore(null), undefined);
  });

  it('describes a prompt by its latest version and count', () => {
    assert.equal(promptDescription({ latestVersion: 1, versionCount: 1 }), 'v1 · 1 version');
    assert.equal(promptDescription({ latestVersion: 5, versionCount: 3 }), 'v5 · 3 versions');
  });

  it('gives each version the context menu that fits it (package.json menus against the context values)', () => {
    const menu = (manifest.contributes.menus['view/item/context'] ?? []).filter((i) => !i.group?.startsWith('inline'));
    const commandsFor = (contextValue: string): string[] =>
      menu
        .filter((i) => whenHolds(i.when, contextValue))
        .map((i) => i.command.replace('promptTuner.', ''))
        .sort();
    const plain = commandsFor(versionContextValue({ hasPrevious: false, active: false }));
    const withPrevious = commandsFor(versionContextValue({ hasPrevious: true, active: false }));
    const active = commandsFor(versionContextValue({ hasPrevious: true, active: true }));
    assert.ok(plain.includes('library.apply') && !plain.includes('clearContext'));
    assert.ok(!plain.includes('library.compareWithPrevious'), 'a first version has nothing before it');
    assert.ok(withPrevious.includes('library.compareWithPrevious'));
    assert.ok(active.includes('clearContext') && !active.includes('library.apply'));
    for (const list of [plain, withPrevious, active]) {
      for (const id of [
        'library.insert',
        'library.copy',
        'library.compareWith',
        'library.open',
        'library.renameLabel',
        'library.deleteVersion',
      ]) {
        assert.ok(list.includes(id), `${id} is offered on every version`);
      }
      assert.ok(!list.includes('library.deletePrompt'));
    }
    const prompt = commandsFor(PROMPT_CONTEXT_VALUE);
    assert.ok(prompt.includes('library.deletePrompt') && !prompt.includes('library.deleteVersion'));
  });

  it('declares every library command with its exact title under the category "Prompt Tuner"', () => {
    const titles = new Map(manifest.contributes.commands.map((c) => [c.command, `${c.category}: ${c.title}`]));
    const expected: Record<string, string> = {
      'library.saveSelection': 'Save Selection to Library',
      'library.saveFile': 'Save File to Library',
      'library.insert': 'Insert into File',
      'library.apply': 'Apply to Context',
      'library.copy': 'Copy',
      'library.compareWithPrevious': 'Compare with Previous',
      'library.compareWith': 'Compare with…',
      'library.open': 'Open',
      'library.renameLabel': 'Rename Label',
      'library.deleteVersion': 'Delete Version',
      'library.deletePrompt': 'Delete Prompt',
      'library.export': 'Export Library',
      'library.import': 'Import Library',
      'library.filter': 'Filter Library',
      'library.clearFilter': 'Clear Filter',
      'library.refresh': 'Refresh',
      clearContext: 'Clear Active Context',
    };
    for (const [id, title] of Object.entries(expected)) {
      assert.equal(titles.get(`promptTuner.${id}`), `Prompt Tuner: ${title}`);
    }
    const declared = new Set(titles.keys());
    for (const [where, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) assert.ok(declared.has(item.command), `${where} names the undeclared ${item.command}`);
    }
  });

  it('keeps prompt text with backticks inside one code block in the hover', () => {
    const text = 'Reply with ```json\n{"a": 1}\n``` and never ````more````.';
    const block = codeBlock(text);
    const fences = fenceLines(block);
    assert.equal(fences.length, 2, 'only the opening and closing fence are fence lines');
    const fence = fences[1]!;
    assert.ok(fence.length > 4, 'the fence is longer than any run of backticks in the text');
    assert.ok(block.includes(text));
  });

  it('escapes names and labels in the hover so Markdown shows them literally', () => {
    assert.equal(escapeMarkdown('*bold* [link](x) <b>'), '\\*bold\\* \\[link\\]\\(x\\) \\<b\\>');
    const md = versionTooltipMarkdown(version({ promptName: 'a_b*', label: '[x](command:evil)' }));
    assert.ok(md.startsWith('**a\\_b\\* v3** — \\[x\\]\\(command:evil\\)'));
    assert.ok(!md.includes('](command:'), 'no link survives');
  });

  it('truncates long text in the hover and says how many lines were left out', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join('\n');
    const short = truncateText(text, 40);
    assert.ok(short.includes('line 40\n'));
    assert.ok(!short.includes('line 41'));
    assert.ok(short.endsWith('… (60 more lines)'));
    assert.equal(truncateText('short'), 'short');
  });

  it('starts the status-bar tooltip with "Active system prompt" and shows the first lines', () => {
    const tip = statusBarTooltip(version({ label: 'best', text: 'one\ntwo\nthree\nfour' }), 2);
    assert.ok(tip.startsWith('Active system prompt: travel-agent v3 (best)'));
    assert.ok(tip.includes('one\ntwo\n…'));
    assert.ok(!tip.includes('three'));
  });

  it('titles a diff "NAME v2 ↔ v3", naming both prompts when they differ', () => {
    assert.equal(diffTitle(version({ version: 2 }), version()), 'travel-agent v2 ↔ v3');
    assert.equal(
      diffTitle(version({ promptId: 9, promptName: 'other', version: 1 }), version()),
      'other v1 ↔ travel-agent v3',
    );
  });

  it('addresses a version document by id, whatever its name holds', () => {
    const parts = versionDocumentParts(version({ promptName: 'a/b\\c' }));
    assert.equal(parts.path, '/a-b-c/v3.md');
    assert.equal(versionIdFromQuery(parts.query), 12);
    assert.equal(versionIdFromQuery('id=abc'), undefined);
    assert.equal(versionIdFromQuery(''), undefined);
  });

  it('refuses empty, overlong and NAME@VERSION-like prompt names, as the CLI would misread them', () => {
    assert.equal(promptNameProblem('travel-agent'), undefined);
    assert.match(promptNameProblem('   ') ?? '', /Type a name/);
    assert.match(promptNameProblem('x'.repeat(201)) ?? '', /201 characters/);
    assert.match(promptNameProblem('a@2') ?? '', /NAME@3/);
    assert.match(promptNameProblem('a@') ?? '', /NAME@3/);
    assert.equal(promptNameProblem('support@acme'), undefined, 'an "@" inside a name is fine');
  });

  it('saves multiple selections in document order, skipping empty ones', () => {
    assert.equal(
      selectedText([
        { text: 'second', start: 50 },
        { text: '', start: 10 },
        { text: 'first', start: 5 },
      ]),
      'first\nsecond',
    );
    assert.equal(selectedText([{ text: '', start: 0 }]), '');
  });

  it('keeps data in the first folder’s .prompt-tuner, or in global storage without a folder', () => {
    const ws = path.join(path.sep, 'work', 'proj');
    assert.deepEqual(storeLocation(ws, '/g'), { dir: path.join(ws, '.prompt-tuner'), kind: 'workspace' });
    assert.deepEqual(storeLocation(undefined, '/g'), { dir: '/g', kind: 'global' });
  });
});
