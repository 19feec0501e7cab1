// The library's input rules, shared by the repository, the import format and the CLI.
import { LibraryError } from './libraryError';
import { PROMPT_SOURCES, type PromptSource } from './types';

export const NAME_MAX = 200;
export const LABEL_MAX = 200;
export const TEXT_MAX = 1_000_000;
export const RUN_ID_MAX = 200;

/** A prompt name, trimmed, 1–200 characters. */
export function checkName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string') throw new LibraryError(field, 'must be a string');
  const name = value.trim();
  if (name.length === 0) throw new LibraryError(field, 'must not be empty');
  if (name.length > NAME_MAX)
    throw new LibraryError(field, `must be at most ${NAME_MAX} characters, got ${name.length}`);
  return name;
}

/** Prompt text, kept exactly as given; it must contain something besides white space. */
export function checkText(value: unknown, field = 'text'): string {
  if (typeof value !== 'string') throw new LibraryError(field, 'must be a string');
  if (value.trim().length === 0) throw new LibraryError(field, 'must not be empty');
  if (value.length > TEXT_MAX)
    throw new LibraryError(field, `must be at most ${TEXT_MAX} characters, got ${value.length}`);
  return value;
}

/** An optional label, trimmed; empty means none. */
export function checkLabel(value: unknown, field = 'label'): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new LibraryError(field, 'must be a string or null');
  const label = value.trim();
  if (label.length > LABEL_MAX)
    throw new LibraryError(field, `must be at most ${LABEL_MAX} characters, got ${label.length}`);
  return label.length === 0 ? null : label;
}

export function checkSource(value: unknown, field = 'source'): PromptSource {
  if (value === undefined) return 'manual';
  if (typeof value !== 'string' || !(PROMPT_SOURCES as readonly string[]).includes(value)) {
    throw new LibraryError(field, `must be one of ${PROMPT_SOURCES.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as PromptSource;
}

export function checkScore(value: unknown, field = 'score'): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new LibraryError(field, `must be a number from 0 to 1 or null, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkRunId(value: unknown, field = 'runId'): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > RUN_ID_MAX) {
    throw new LibraryError(field, `must be a non-empty string of at most ${RUN_ID_MAX} characters or null`);
  }
  return value;
}

export function checkId(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new LibraryError(field, `must be a positive whole number, got ${JSON.stringify(value)}`);
  }
  return value;
}
