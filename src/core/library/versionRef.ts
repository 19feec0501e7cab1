// `NAME` or `NAME@VERSION`, as the CLI and the panels refer to a version. A name may itself contain
// "@"; only a trailing "@<digits>" is a version.
import { LibraryError } from './libraryError';
import { checkName } from './libraryRules';
import type { VersionRef } from './types';

export function parseVersionRef(text: string): VersionRef {
  const trimmed = text.trim();
  const at = trimmed.lastIndexOf('@');
  if (at >= 0) {
    const tail = trimmed.slice(at + 1);
    if (tail === '') throw new LibraryError('version', `missing after "@" in "${text}" (write NAME or NAME@3)`);
    if (/^\d+$/.test(tail)) {
      const version = Number(tail);
      if (version < 1) throw new LibraryError('version', `must be 1 or more, got ${tail} in "${text}"`);
      return { name: checkName(trimmed.slice(0, at)), version };
    }
    if (/^[\s\d.+-]*$/.test(tail) || /^v\d+$/i.test(tail)) {
      throw new LibraryError('version', `must be a whole number like NAME@3, got "${tail}" in "${text}"`);
    }
  }
  return { name: checkName(trimmed) };
}

export function formatVersionRef(ref: VersionRef): string {
  return ref.version === undefined ? ref.name : `${ref.name}@${ref.version}`;
}
