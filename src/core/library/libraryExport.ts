// The library's JSON exchange format, validated at import with errors that name the JSON path.
import { z } from 'zod';
import { LibraryError } from './libraryError';
import { LABEL_MAX, NAME_MAX, RUN_ID_MAX, TEXT_MAX } from './libraryRules';
import { PROMPT_SOURCES } from './types';

export const LIBRARY_FORMAT = 'prompt-tuner-library';
export const LIBRARY_FORMAT_VERSION = 1;

const ExportedVersionSchema = z.object({
  /** Version number in the exporting library; on import versions get new numbers in file order. */
  version: z.number().int().positive().optional(),
  /** The prompt text (must contain more than white space). */
  text: z
    .string()
    .max(TEXT_MAX)
    .refine((t) => t.trim().length > 0, 'must not be empty'),
  /** Optional label; null or absent when none. */
  label: z.string().max(LABEL_MAX).nullable().optional(),
  /** Where it came from; absent means "imported". */
  source: z.enum(PROMPT_SOURCES).optional(),
  /** ISO time it was first stored; kept on import. */
  createdAt: z.iso.datetime({ offset: true }).optional(),
  /** Score in [0,1] from a measured run. */
  score: z.number().min(0).max(1).nullable().optional(),
  /** The run that produced it. */
  runId: z.string().min(1).max(RUN_ID_MAX).nullable().optional(),
  /** The version it was derived from, by name and number in the exporting library. */
  parent: z.object({ name: z.string(), version: z.number().int().positive() }).nullable().optional(),
});

const ExportedPromptSchema = z.object({
  /** Prompt name; trimmed, 1–200 characters. */
  name: z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(1, 'must not be empty').max(NAME_MAX)),
  /** Its versions, oldest first. */
  versions: z.array(ExportedVersionSchema),
});

export const LibraryExportSchema = z.object({
  /** Always "prompt-tuner-library". */
  format: z.literal(LIBRARY_FORMAT),
  /** Format version; this code reads 1. */
  version: z.literal(LIBRARY_FORMAT_VERSION),
  /** ISO time of the export; optional, so a hand-written file needs only format, version and prompts. */
  exportedAt: z.string().optional(),
  prompts: z.array(ExportedPromptSchema),
});

export type LibraryExportFile = z.infer<typeof LibraryExportSchema>;
export type ExportedVersion = z.infer<typeof ExportedVersionSchema>;

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** Problems listed at most, so a file that is wrong everywhere still gives a readable message. */
export const MAX_LISTED_PROBLEMS = 10;

/** One problem of an import file: its JSON path and what is wrong there. */
export interface LibraryFileProblem {
  path: string;
  message: string;
}

/** An import file with problems: `field` and the first line name the first one, `problems` holds them all. */
export class LibraryFileError extends LibraryError {
  constructor(readonly problems: LibraryFileProblem[]) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    const rest = problems.length - listed.length;
    const first = listed[0] ?? { path: '(top level)', message: 'is not a library export' };
    const others = listed.slice(1).map((p) => `${p.path}: ${p.message}`);
    if (rest > 0) others.push(`… and ${rest} more problem${rest > 1 ? 's' : ''}`);
    super(first.path, [first.message, ...others].join('\n'));
    this.name = 'LibraryFileError';
  }
}

/** Validates an import file's parsed JSON; the error lists every problem (up to 10) by JSON path. */
export function parseLibraryExport(data: unknown): LibraryExportFile {
  const result = LibraryExportSchema.safeParse(data);
  if (result.success) return result.data;
  throw new LibraryFileError(result.error.issues.map((i) => ({ path: pathText(i.path), message: i.message })));
}
