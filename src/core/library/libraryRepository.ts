// The prompt library over the store: prompts with immutable, numbered versions and the active context.
// Every change is one store transaction, so another window or the CLI sees it whole or not at all.
import type { Store, WriteTx } from '../store/store';
import { LibraryError } from './libraryError';
import {
  LIBRARY_FORMAT,
  LIBRARY_FORMAT_VERSION,
  parseLibraryExport,
  type ExportedVersion,
  type LibraryExportFile,
} from './libraryExport';
import { checkId, checkLabel, checkName, checkRunId, checkScore, checkSource, checkText } from './libraryRules';
import type { PromptSource, PromptSummary, PromptVersion, VersionRef } from './types';

export { LibraryError } from './libraryError';
export { parseVersionRef } from './versionRef';
export type { LibraryExportFile } from './libraryExport';

export interface AddVersionInput {
  name: string;
  text: string;
  label?: string | null;
  source?: PromptSource;
  score?: number | null;
  runId?: string | null;
  parentVersionId?: number | null;
}

export interface ImportResult {
  /** Prompts that received at least one new version. */
  prompts: number;
  /** Versions added. */
  versions: number;
  /** Versions left out because the prompt already had the same text and label. */
  skipped: number;
}

type Reader = Pick<WriteTx, 'all' | 'get'>;

const VERSION_COLUMNS = `v.id AS id, v.prompt_id AS promptId, p.name AS promptName, v.version AS version, v.text AS text,
  v.label AS label, v.source AS source, v.created_at AS createdAt, v.score AS score, v.run_id AS runId,
  v.parent_version_id AS parentVersionId`;
const VERSION_FROM = 'FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id';

function fetchVersion(db: Reader, id: number): PromptVersion | undefined {
  return db.get<PromptVersion>(`SELECT ${VERSION_COLUMNS} ${VERSION_FROM} WHERE v.id = ?`, [id]);
}

function requireVersion(db: Reader, id: number, field = 'versionId'): PromptVersion {
  const v = fetchVersion(db, checkId(id, field));
  if (!v) throw new LibraryError(field, `no version with id ${id}`);
  return v;
}

export class LibraryRepository {
  constructor(private readonly store: Store) {}

  /** Prompts that have versions, by name; `filter` matches names and labels, ignoring case. */
  listPrompts(filter?: string): PromptSummary[] {
    const rows = this.store.all<PromptSummary>(
      `SELECT p.id AS id, p.name AS name, p.created_at AS createdAt, max(v.created_at) AS updatedAt,
         count(v.id) AS versionCount, max(v.version) AS latestVersion
       FROM prompts p JOIN prompt_versions v ON v.prompt_id = p.id
       GROUP BY p.id ORDER BY lower(p.name), p.name`,
    );
    const needle = filter?.trim().toLocaleLowerCase();
    if (!needle) return rows;
    const labelled = new Set(
      this.store
        .all<{ promptId: number; label: string }>(
          'SELECT prompt_id AS promptId, label FROM prompt_versions WHERE label IS NOT NULL',
        )
        .filter((r) => r.label.toLocaleLowerCase().includes(needle))
        .map((r) => r.promptId),
    );
    return rows.filter((r) => r.name.toLocaleLowerCase().includes(needle) || labelled.has(r.id));
  }

  /** A prompt's versions, newest first. */
  listVersions(promptId: number): PromptVersion[] {
    return this.store.all<PromptVersion>(
      `SELECT ${VERSION_COLUMNS} ${VERSION_FROM} WHERE v.prompt_id = ? ORDER BY v.version DESC`,
      [promptId],
    );
  }

  getVersion(id: number): PromptVersion | undefined {
    return fetchVersion(this.store, id);
  }

  /** `name@version`, or the latest version when the ref has no version. */
  resolve(ref: VersionRef): PromptVersion | undefined {
    const name = ref.name.trim();
    if (ref.version === undefined) {
      return this.store.get<PromptVersion>(
        `SELECT ${VERSION_COLUMNS} ${VERSION_FROM} WHERE p.name = ? ORDER BY v.version DESC LIMIT 1`,
        [name],
      );
    }
    return this.store.get<PromptVersion>(
      `SELECT ${VERSION_COLUMNS} ${VERSION_FROM} WHERE p.name = ? AND v.version = ?`,
      [name, ref.version],
    );
  }

  /** Stores a new version (creating the prompt on its first version); numbers are never reused. */
  addVersion(input: AddVersionInput): PromptVersion {
    const name = checkName(input.name);
    const fields = {
      text: checkText(input.text),
      label: checkLabel(input.label),
      source: checkSource(input.source),
      score: checkScore(input.score),
      runId: checkRunId(input.runId),
      parentVersionId: input.parentVersionId == null ? null : checkId(input.parentVersionId, 'parentVersionId'),
      createdAt: new Date().toISOString(),
    };
    return this.store.write((tx) => {
      if (fields.parentVersionId !== null) requireVersion(tx, fields.parentVersionId, 'parentVersionId');
      return this.insertVersion(tx, name, fields);
    });
  }

  /** Labels are the one thing about a version that may change. */
  renameLabel(versionId: number, label: string | null): PromptVersion {
    const clean = checkLabel(label);
    return this.store.write((tx) => {
      requireVersion(tx, versionId);
      tx.run('UPDATE prompt_versions SET label = ? WHERE id = ?', [clean, versionId]);
      return fetchVersion(tx, versionId)!;
    });
  }

  /** Deletes one version; if it was the active context, the context is cleared. Its number is not reused. */
  deleteVersion(versionId: number): void {
    this.store.write((tx) => {
      requireVersion(tx, versionId);
      tx.run('UPDATE active_context SET version_id = NULL, updated_at = ? WHERE version_id = ?', [
        new Date().toISOString(),
        versionId,
      ]);
      tx.run('DELETE FROM prompt_versions WHERE id = ?', [versionId]);
    });
  }

  /** Deletes a prompt with all its versions (clearing the active context if it was one of them). */
  deletePrompt(promptId: number): void {
    this.store.write((tx) => {
      checkId(promptId, 'promptId');
      if (!tx.get('SELECT id FROM prompts WHERE id = ?', [promptId]))
        throw new LibraryError('promptId', `no prompt with id ${promptId}`);
      tx.run(
        'UPDATE active_context SET version_id = NULL, updated_at = ? WHERE version_id IN (SELECT id FROM prompt_versions WHERE prompt_id = ?)',
        [new Date().toISOString(), promptId],
      );
      tx.run('DELETE FROM prompt_versions WHERE prompt_id = ?', [promptId]);
      tx.run('DELETE FROM prompts WHERE id = ?', [promptId]);
    });
  }

  /** The next older existing version of the same prompt. */
  previousVersion(versionId: number): PromptVersion | undefined {
    const v = this.getVersion(versionId);
    if (!v) return undefined;
    return this.store.get<PromptVersion>(
      `SELECT ${VERSION_COLUMNS} ${VERSION_FROM} WHERE v.prompt_id = ? AND v.version < ? ORDER BY v.version DESC LIMIT 1`,
      [v.promptId, v.version],
    );
  }

  /** Every prompt with its versions, oldest first, in the exchange format. */
  exportLibrary(): LibraryExportFile {
    const versions = this.store.all<PromptVersion>(
      `SELECT ${VERSION_COLUMNS} ${VERSION_FROM} ORDER BY lower(p.name), p.name, v.version`,
    );
    const byId = new Map(versions.map((v) => [v.id, v]));
    const prompts: LibraryExportFile['prompts'] = [];
    for (const v of versions) {
      let entry = prompts.at(-1);
      if (!entry || entry.name !== v.promptName) {
        entry = { name: v.promptName, versions: [] };
        prompts.push(entry);
      }
      const parent = v.parentVersionId !== null ? byId.get(v.parentVersionId) : undefined;
      const out: ExportedVersion = {
        version: v.version,
        text: v.text,
        label: v.label,
        source: v.source,
        createdAt: v.createdAt,
        score: v.score,
        runId: v.runId,
        parent: parent ? { name: parent.promptName, version: parent.version } : null,
      };
      entry.versions.push(out);
    }
    return { format: LIBRARY_FORMAT, version: LIBRARY_FORMAT_VERSION, exportedAt: new Date().toISOString(), prompts };
  }

  /**
   * Adds the file's versions as new versions (new numbers, in file order). A version whose prompt already
   * has the same text and label is skipped; nothing is overwritten. All or nothing.
   */
  importLibrary(data: unknown): ImportResult {
    const file = parseLibraryExport(data);
    const now = new Date().toISOString();
    return this.store.write((tx) => {
      // name@version in the file → version id here (new or the existing duplicate), for parent links.
      const idOf = new Map<string, number>();
      const touched = new Set<string>();
      let added = 0;
      let skipped = 0;
      for (const prompt of file.prompts) {
        for (const v of prompt.versions) {
          const label = checkLabel(v.label);
          const existing = tx.get<{ id: number }>(
            'SELECT v.id AS id FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id WHERE p.name = ? AND v.text = ? AND v.label IS ? ORDER BY v.version LIMIT 1',
            [prompt.name, v.text, label],
          );
          let id: number;
          if (existing) {
            id = existing.id;
            skipped += 1;
          } else {
            const parentId = v.parent ? (idOf.get(`${v.parent.name.trim()}@${v.parent.version}`) ?? null) : null;
            id = this.insertVersion(tx, prompt.name, {
              text: v.text,
              label,
              source: v.source ?? 'imported',
              score: v.score ?? null,
              runId: v.runId ?? null,
              parentVersionId: parentId,
              createdAt: v.createdAt ?? now,
            }).id;
            added += 1;
            touched.add(prompt.name);
          }
          if (v.version !== undefined) idOf.set(`${prompt.name}@${v.version}`, id);
        }
      }
      return { prompts: touched.size, versions: added, skipped };
    });
  }

  /** The version applied as the active system prompt, if any. */
  getActive(): PromptVersion | undefined {
    const row = this.store.get<{ versionId: number | null }>(
      'SELECT version_id AS versionId FROM active_context WHERE id = 1',
    );
    return row?.versionId != null ? this.getVersion(row.versionId) : undefined;
  }

  /** "Apply to Context": makes a version the active system prompt; null clears it. */
  setActive(versionId: number | null): void {
    this.store.write((tx) => {
      if (versionId !== null) requireVersion(tx, versionId);
      tx.run(
        `INSERT INTO active_context (id, version_id, updated_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version_id = excluded.version_id, updated_at = excluded.updated_at`,
        [versionId, new Date().toISOString()],
      );
    });
  }

  private insertVersion(
    tx: WriteTx,
    name: string,
    f: {
      text: string;
      label: string | null;
      source: PromptSource;
      score: number | null;
      runId: string | null;
      parentVersionId: number | null;
      createdAt: string;
    },
  ): PromptVersion {
    const prompt = tx.get<{ id: number; nextVersion: number; versions: number }>(
      'SELECT p.id AS id, p.next_version AS nextVersion, (SELECT count(*) FROM prompt_versions WHERE prompt_id = p.id) AS versions FROM prompts p WHERE p.name = ?',
      [name],
    );
    let promptId: number;
    let version: number;
    if (prompt) {
      promptId = prompt.id;
      version = prompt.nextVersion;
      // A prompt whose versions were all deleted starts anew in time, but keeps counting.
      if (prompt.versions === 0) tx.run('UPDATE prompts SET created_at = ? WHERE id = ?', [f.createdAt, promptId]);
    } else {
      promptId = tx.run('INSERT INTO prompts (name, created_at, next_version) VALUES (?, ?, 1)', [
        name,
        f.createdAt,
      ]).lastInsertRowid;
      version = 1;
    }
    const id = tx.run(
      `INSERT INTO prompt_versions (prompt_id, version, text, label, source, created_at, score, run_id, parent_version_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [promptId, version, f.text, f.label, f.source, f.createdAt, f.score, f.runId, f.parentVersionId],
    ).lastInsertRowid;
    tx.run('UPDATE prompts SET next_version = ? WHERE id = ?', [version + 1, promptId]);
    return fetchVersion(tx, id)!;
  }
}
