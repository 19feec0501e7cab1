// The prompt library's records, as every layer sees them.

/** Where a version came from. */
export const PROMPT_SOURCES = ['manual', 'tuned', 'optimized', 'scale', 'imported'] as const;
export type PromptSource = (typeof PROMPT_SOURCES)[number];

/** A named prompt; its text lives in its versions. */
export interface PromptSummary {
  /** Row id. */
  id: number;
  /** Unique name (trimmed, 1–200 chars). */
  name: string;
  /** ISO time of the first version. */
  createdAt: string;
  /** ISO time of the newest version. */
  updatedAt: string;
  /** Number of versions. */
  versionCount: number;
  /** Highest version number. */
  latestVersion: number;
}

/** One immutable version of a prompt (only the label may change). */
export interface PromptVersion {
  /** Row id, stable across renames. */
  id: number;
  /** Owning prompt's id. */
  promptId: number;
  /** Owning prompt's name. */
  promptName: string;
  /** 1, 2, 3… within the prompt; never reused after a delete. */
  version: number;
  /** The prompt text. */
  text: string;
  /** Optional short label shown beside the version number. */
  label: string | null;
  /** Where it came from. */
  source: PromptSource;
  /** ISO time it was stored. */
  createdAt: string;
  /** Score in [0,1] when it came from a measured run. */
  score: number | null;
  /** Id of the run that produced it (tuning, optimization, scale test). */
  runId: string | null;
  /** Row id of the version it was derived from. */
  parentVersionId: number | null;
}

/** `NAME` or `NAME@VERSION`, as the CLI and the panels refer to a version. */
export interface VersionRef {
  name: string;
  /** Absent: the latest version. */
  version?: number;
}
