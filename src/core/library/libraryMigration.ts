// Migration 1: the prompt library's tables (prompts, their immutable versions, the active context).
import type { Migration } from '../store/migrations';

const LIBRARY_SCHEMA = `
-- A named prompt. Its text lives in prompt_versions.
CREATE TABLE prompts (
  -- Row id; AUTOINCREMENT so a deleted prompt's id is never given to another.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  -- Unique name, trimmed, 1–200 characters.
  name TEXT NOT NULL UNIQUE,
  -- ISO time the prompt's first version was stored.
  created_at TEXT NOT NULL,
  -- Number the next version gets; only ever grows, so a deleted version's number is never reused.
  next_version INTEGER NOT NULL DEFAULT 1
);

-- One immutable version of a prompt; only label ever changes.
CREATE TABLE prompt_versions (
  -- Row id, stable across label changes; AUTOINCREMENT so ids are never reused.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  -- Owning prompt (prompts.id); its versions are deleted with it.
  prompt_id INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
  -- 1, 2, 3… within the prompt, from prompts.next_version.
  version INTEGER NOT NULL,
  -- The prompt text, exactly as saved (non-empty).
  text TEXT NOT NULL,
  -- Optional short label shown beside the version number; NULL when none.
  label TEXT,
  -- Where it came from: manual, tuned, optimized, scale or imported.
  source TEXT NOT NULL CHECK (source IN ('manual', 'tuned', 'optimized', 'scale', 'imported')),
  -- ISO time it was stored (kept from the file on import).
  created_at TEXT NOT NULL,
  -- Score in [0,1] when it came from a measured run; NULL otherwise.
  score REAL,
  -- Id of the tuning/optimization/scale run that produced it; NULL for manual versions.
  run_id TEXT,
  -- prompt_versions.id it was derived from; kept as a plain number because the parent may be deleted.
  parent_version_id INTEGER,
  UNIQUE (prompt_id, version)
);

-- The version applied as the active system prompt ("Apply to Context"); at most one row.
CREATE TABLE active_context (
  -- Always 1: there is one active context per workspace.
  id INTEGER PRIMARY KEY CHECK (id = 1),
  -- The active prompt_versions.id; NULL when cleared (also when that version is deleted).
  version_id INTEGER REFERENCES prompt_versions(id) ON DELETE SET NULL,
  -- ISO time it was last set or cleared.
  updated_at TEXT NOT NULL
);
`;

export const LIBRARY_MIGRATION: Migration = {
  version: 1,
  name: 'library',
  up(tx) {
    tx.run(LIBRARY_SCHEMA);
  },
};
