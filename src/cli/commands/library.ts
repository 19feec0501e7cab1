// `prompt-tuner library …`: the Prompt Library from the command line, over the same workspace store
// the extension uses. Input is checked before the store is opened, so bad input writes nothing.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LibraryError, LibraryRepository, parseVersionRef } from '../../core/library/libraryRepository';
import { LibraryFileError, parseLibraryExport } from '../../core/library/libraryExport';
import { parseJsonText } from '../../core/suites/loadSuite';
import { checkLabel, checkName, checkSource, checkText } from '../../core/library/libraryRules';
import type { PromptSummary, PromptVersion } from '../../core/library/types';
import { workspaceStoreDir } from '../../core/store/storeFiles';
import { parse, workspaceDir } from '../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../cliTypes';
import { openWorkspaceStore } from '../../core/workspaceStore';

const COMMON_HELP = `  --workspace DIR   the workspace whose .prompt-tuner/ store to use (default: current folder)
  --help            this text`;

const EXIT_HELP = 'Exit codes: 0 done, 1 failed, 2 bad input (nothing written; the message says what is wrong).';

/** The workspace folder, which must exist (the store goes in its .prompt-tuner/). */
function resolveWorkspace(value: string | undefined, io: CliIo): string {
  const dir = workspaceDir(value, io.cwd);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDir) throw new UsageError(`--workspace: no such folder: ${dir}`);
  return dir;
}

/** Opens the workspace library; for reads of a workspace without a store, returns undefined instead of creating one. */
async function openLibrary(
  workspace: string,
  io: CliIo,
  mode: 'read' | 'write',
): Promise<{ library: LibraryRepository; close: () => Promise<void> } | undefined> {
  const dir = workspaceStoreDir(workspace);
  if (mode === 'read' && !existsSync(dir)) return undefined;
  const store = await openWorkspaceStore({ dir, onNotice: (m) => io.err(`notice: ${m}\n`) });
  return { library: new LibraryRepository(store), close: () => store.close() };
}

/** Library errors are the user's input at fault: exit 2, nothing was written (the transaction rolled back). */
async function asUsage<T>(fn: () => Promise<T> | T, rename: Record<string, string> = {}): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof LibraryError) {
      const field = rename[e.field];
      throw new UsageError(field ? e.message.replace(`${e.field}:`, `${field}:`) : e.message);
    }
    throw e;
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function noPositionals(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
}

// ---- list ----

const LIST_HELP = `Usage: prompt-tuner library list [--filter TEXT] [--json] [--workspace DIR]

Lists the prompts in the workspace's Prompt Library: name, number of versions, latest version, last change.

Options:
  --filter TEXT     only prompts whose name or a version label contains TEXT (ignoring case)
  --json            print a JSON array of { id, name, createdAt, updatedAt, versionCount, latestVersion }
${COMMON_HELP}

${EXIT_HELP}

Example:
  prompt-tuner library list --workspace ~/projects/travel-bot
`;

function formatList(prompts: PromptSummary[]): string {
  const rows = [['NAME', 'VERSIONS', 'LATEST', 'UPDATED']];
  for (const p of prompts) rows.push([p.name, String(p.versionCount), `v${p.latestVersion}`, shortTime(p.updatedAt)]);
  return table(rows);
}

export const libraryListCommand: CliCommand = {
  path: ['library', 'list'],
  summary: 'List the prompts in the Prompt Library',
  help: LIST_HELP,
  async run(args, io) {
    const { values, positionals } = parse(args, { filter: { type: 'string' } });
    noPositionals(positionals);
    const workspace = resolveWorkspace(values.workspace, io);
    const opened = await openLibrary(workspace, io, 'read');
    let prompts: PromptSummary[];
    try {
      prompts = opened?.library.listPrompts(values.filter) ?? [];
    } finally {
      await opened?.close();
    }
    if (values.json) io.out(json(prompts));
    else if (prompts.length === 0) {
      io.out(
        values.filter
          ? `No prompt matches "${values.filter}".\n`
          : `The Prompt Library in ${workspace} is empty. Add a prompt with: prompt-tuner library add NAME --text "…"\n`,
      );
    } else io.out(formatList(prompts));
    return EXIT.ok;
  },
};

// ---- show ----

const SHOW_HELP = `Usage: prompt-tuner library show NAME[@VERSION] [--json] [--workspace DIR]

Prints one version of a prompt: its details and its text. Without @VERSION, the latest version.

Options:
  --json            print the version as JSON ({ id, promptName, version, text, label, source, createdAt,
                    score, runId, parentVersionId, … })
${COMMON_HELP}

${EXIT_HELP} A name or version that does not exist is bad input.

Examples:
  prompt-tuner library show travel-desk
  prompt-tuner library show travel-desk@2 --json
`;

function formatVersion(v: PromptVersion, all: PromptVersion[], parent: PromptVersion | undefined): string {
  const lines = [`${v.promptName} v${v.version}${v.label ? `  "${v.label}"` : ''}`];
  const facts = [`source: ${v.source}`, `created: ${shortTime(v.createdAt)}`];
  // A percentage, as the panel and every score label show it.
  if (v.score !== null) facts.push(`score: ${(Math.round(v.score * 1000) / 10).toFixed(1)}%`);
  if (v.runId) facts.push(`run: ${v.runId}`);
  if (v.parentVersionId !== null)
    facts.push(`parent: ${parent ? `${parent.promptName} v${parent.version}` : `#${v.parentVersionId} (deleted)`}`);
  lines.push(facts.join('   '));
  lines.push(`versions: ${all.map((x) => `v${x.version}${x.id === v.id ? '*' : ''}`).join(', ')}`);
  lines.push('', v.text.endsWith('\n') ? v.text : `${v.text}\n`);
  return lines.join('\n');
}

export const libraryShowCommand: CliCommand = {
  path: ['library', 'show'],
  summary: 'Print a prompt version (NAME or NAME@VERSION)',
  help: SHOW_HELP,
  async run(args, io) {
    const { values, positionals } = parse(args, {});
    if (positionals.length === 0) throw new UsageError('missing NAME[@VERSION]');
    if (positionals.length > 1)
      throw new UsageError(`unexpected argument: ${positionals[1]} (quote a name that has spaces)`);
    const ref = await asUsage(() => parseVersionRef(positionals[0]!), { name: 'NAME' });
    const workspace = resolveWorkspace(values.workspace, io);
    const opened = await openLibrary(workspace, io, 'read');
    try {
      const v = opened?.library.resolve(ref);
      if (!opened || !v) {
        const exists = opened?.library.resolve({ name: ref.name });
        throw new UsageError(
          exists
            ? `"${ref.name}" has no version ${ref.version} (latest is v${exists.version})`
            : `no prompt named "${ref.name}" in ${workspace}`,
        );
      }
      if (values.json) io.out(json(v));
      else {
        const parent = v.parentVersionId !== null ? opened.library.getVersion(v.parentVersionId) : undefined;
        io.out(formatVersion(v, opened.library.listVersions(v.promptId), parent));
      }
    } finally {
      await opened?.close();
    }
    return EXIT.ok;
  },
};

// ---- add ----

const ADD_HELP = `Usage: prompt-tuner library add NAME (--file F | --text T) [--label L] [--source S] [--json] [--workspace DIR]

Saves a new version of prompt NAME (creating the prompt on its first version). Versions are numbered
1, 2, 3… and never change afterwards, except their label.

Options:
  --file F          the prompt text, from file F
  --text T          the prompt text, inline
  --label L         a short label shown beside the version number
  --source S        where it came from: manual (default), tuned, optimized, scale, imported
  --json            print the stored version as JSON
${COMMON_HELP}

${EXIT_HELP}

Examples:
  prompt-tuner library add travel-desk --text "You are a helpful travel assistant." --label baseline
  prompt-tuner library add travel-desk --file prompts/travel.txt
`;

export const libraryAddCommand: CliCommand = {
  path: ['library', 'add'],
  summary: 'Save a new prompt version (--file F or --text T)',
  help: ADD_HELP,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      file: { type: 'string' },
      text: { type: 'string' },
      label: { type: 'string' },
      source: { type: 'string' },
    });
    if (positionals.length === 0) throw new UsageError('missing NAME');
    if (positionals.length > 1)
      throw new UsageError(`unexpected argument: ${positionals[1]} (quote a name that has spaces)`);
    if ((values.file === undefined) === (values.text === undefined))
      throw new UsageError('give the text with exactly one of --file F or --text T');
    let text: string;
    if (values.file !== undefined) {
      const file = resolve(io.cwd, values.file);
      try {
        text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
      } catch (e) {
        throw new UsageError(
          `--file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
    } else text = values.text!;
    const flag = values.file !== undefined ? '--file' : '--text';
    const input = await asUsage(
      () => ({
        name: checkName(positionals[0]),
        text: checkText(text, flag),
        label: checkLabel(values.label, '--label'),
        source: checkSource(values.source, '--source'),
      }),
      { name: 'NAME' },
    );
    const workspace = resolveWorkspace(values.workspace, io);
    const opened = (await openLibrary(workspace, io, 'write'))!;
    let v: PromptVersion;
    try {
      v = await asUsage(() => opened.library.addVersion(input));
    } finally {
      await opened.close();
    }
    io.out(
      values.json
        ? json(v)
        : `Saved ${v.promptName} v${v.version}${v.label ? ` "${v.label}"` : ''} to the Prompt Library\n`,
    );
    return EXIT.ok;
  },
};

// ---- export ----

const EXPORT_HELP = `Usage: prompt-tuner library export [FILE] [--workspace DIR]

Writes the whole Prompt Library as JSON ({ format: "prompt-tuner-library", version: 1, exportedAt,
prompts: [{ name, versions: [{ version, text, label, source, createdAt, score, runId, parent }] }] })
to FILE, or to standard output when FILE is left out.

Options:
${COMMON_HELP}

${EXIT_HELP}

Examples:
  prompt-tuner library export library.json
  prompt-tuner library export > library.json
`;

export const libraryExportCommand: CliCommand = {
  path: ['library', 'export'],
  summary: 'Write the library as JSON to FILE or standard output',
  help: EXPORT_HELP,
  async run(args, io) {
    const { values, positionals } = parse(args, {});
    if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`);
    const workspace = resolveWorkspace(values.workspace, io);
    const opened = await openLibrary(workspace, io, 'read');
    let data;
    try {
      data = opened
        ? opened.library.exportLibrary()
        : { format: 'prompt-tuner-library', version: 1, exportedAt: new Date().toISOString(), prompts: [] };
    } finally {
      await opened?.close();
    }
    const text = json(data);
    const target = positionals[0];
    if (target === undefined || target === '-') {
      io.out(text);
      return EXIT.ok;
    }
    const file = resolve(io.cwd, target);
    writeFileSync(file, text, 'utf8');
    const versions = data.prompts.reduce((n, p) => n + p.versions.length, 0);
    io.out(
      `Exported ${data.prompts.length} prompt${data.prompts.length === 1 ? '' : 's'} (${versions} version${versions === 1 ? '' : 's'}) to ${file}\n`,
    );
    return EXIT.ok;
  },
};

// ---- import ----

const IMPORT_HELP = `Usage: prompt-tuner library import FILE [--json] [--workspace DIR]

Adds the prompts of a library export file as new versions (new version numbers, the file's source kept,
"imported" when it has none). A version whose prompt already has the same text and label is skipped;
nothing in the library is overwritten. The file is checked first: an invalid file names the JSON path at
fault and imports nothing.

Options:
  --json            print { prompts, versions, skipped } as JSON
${COMMON_HELP}

${EXIT_HELP}

Example:
  prompt-tuner library import team-library.json
`;

/**
 * The parsed JSON of an import file. A file that is not UTF-8 text (an image, an archive) is named as such:
 * V8's JSON.parse message quotes the text around the error, which for binary data is raw bytes on the terminal.
 */
export function readImportJson(bytes: Buffer, file: string): unknown {
  const text = bytes.toString('utf8');
  if (bytes.includes(0) || text.includes('\uFFFD'))
    throw new UsageError(`${file} is not a text file (binary data); expected a library export in JSON`);
  const parsed = parseJsonText(text.replace(/^\uFEFF/, ''));
  if ('issue' in parsed) throw new UsageError(`${file}: ${parsed.issue.message}`);
  return parsed.data;
}

export const libraryImportCommand: CliCommand = {
  path: ['library', 'import'],
  summary: 'Add the prompts of a library export file',
  help: IMPORT_HELP,
  async run(args, io) {
    const { values, positionals } = parse(args, {});
    if (positionals.length === 0) throw new UsageError('missing FILE');
    if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`);
    const file = resolve(io.cwd, positionals[0]!);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const data = readImportJson(bytes, file);
    // Check the whole file before the store is touched.
    try {
      parseLibraryExport(data);
    } catch (e) {
      if (e instanceof LibraryFileError)
        throw new UsageError(
          `${file} is not a valid library export:\n${e.message
            .split('\n')
            .map((l) => `  ${l}`)
            .join('\n')}`,
        );
      throw e;
    }
    const workspace = resolveWorkspace(values.workspace, io);
    const opened = (await openLibrary(workspace, io, 'write'))!;
    let result;
    try {
      result = await asUsage(() => opened.library.importLibrary(data));
    } finally {
      await opened.close();
    }
    if (values.json) io.out(json(result));
    else {
      io.out(
        `Imported ${result.versions} version${result.versions === 1 ? '' : 's'} into ${result.prompts} prompt${result.prompts === 1 ? '' : 's'} from ${file}` +
          (result.skipped > 0 ? `; skipped ${result.skipped} already in the library` : '') +
          '\n',
      );
    }
    return EXIT.ok;
  },
};

export const LIBRARY_COMMANDS: CliCommand[] = [
  libraryListCommand,
  libraryShowCommand,
  libraryAddCommand,
  libraryExportCommand,
  libraryImportCommand,
];
