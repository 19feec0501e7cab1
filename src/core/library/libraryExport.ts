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
  /** ISO time of the export. */
  exportedAt: z.string(),
  prompts: z.array(ExportedPromptSchema),
});

export type LibraryExportFile = z.infer<typeof LibraryExportSchema>;
export type ExportedVersion = z.infer<typeof ExportedVersionSchema>;

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** Validates an import file's parsed JSON; the error names the first bad path. */
export function parseLibraryExport(data: unknown): LibraryExportFile {
  const result = LibraryExportSchema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const more =
    result.error.issues.length > 1
      ? ` (and ${result.error.issues.length - 1} more problem${result.error.issues.length > 2 ? 's' : ''})`
      : '';
  throw new LibraryError(pathText(issue.path), `${issue.message}${more}`);
}
