// status.json beside the store (Tau's file): where it lives, an atomic write, and a read that says what is wrong
// with a missing or damaged file instead of throwing (the dashboard shows the diagnostics).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../store/fsUtil';
import { isPostgresUrl } from './store/pg/pgUrl';
import type { StatusFile } from './types';

/** Where a workspace's default store and its status.json live (Tau's `.tau/training`, in our folder). */
export const TRAINING_DIR = join('.prompt-tuner', 'training');

/**
 * `status.json` in a file store's folder (Tau's place). A PostgreSQL store has no folder: its status.json is
 * the workspace's (`<workspace>/.prompt-tuner/training/status.json`, beside where the default store would be),
 * so the dashboard and `optimize status` of that workspace find it; `workspace` defaults to the current folder.
 */
export function statusPathFor(location: string, workspace: string = process.cwd()): string {
  if (isPostgresUrl(location)) return join(workspace, TRAINING_DIR, 'status.json');
  return join(dirname(location), 'status.json');
}

/** Replaces the file atomically, so a reader never sees half of it. The folder is made when missing (a PostgreSQL store's workspace may have none yet). */
export function writeStatusFile(path: string, status: StatusFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, [new TextEncoder().encode(`${JSON.stringify(status, null, 2)}\n`)]);
}

const count = z.number().int().min(0);
const StatusSchema = z.object({
  schema_version: z.literal(1),
  updated_unix_ms: z.number(),
  run_state: z.enum(['running', 'completed', 'failed', 'cancelled']),
  model_ref: z.string(),
  store_path: z.string(),
  total_rollouts: count,
  succeeded: count,
  failed: count,
  cancelled: count,
});

/** The file, or null with a diagnostic: `training_status_missing:<path>`, `training_status_invalid:<path>: why`. */
export function readStatusFile(path: string): { status: StatusFile | null; diagnostics: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      return { status: null, diagnostics: [`training_status_missing:${path}`] };
    return { status: null, diagnostics: [`training_status_invalid:${path}: ${(e as Error).message}`] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { status: null, diagnostics: [`training_status_invalid:${path}: not JSON (${(e as Error).message})`] };
  }
  const parsed = StatusSchema.safeParse(json);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { status: null, diagnostics: [`training_status_invalid:${path}: ${why}`] };
  }
  return { status: parsed.data, diagnostics: [] };
}
