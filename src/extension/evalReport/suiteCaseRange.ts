// Where a case is in its suite file, for Open in Suite: the value of `cases[i].id`. A small scanner of its own
// (strings with escapes, comments, nesting) rather than a JSON library: it needs only this one path, works on
// text being edited, and keeps the report's code free of a dependency whose bundle needs special handling.

interface Level {
  kind: 'object' | 'array';
  /** The last key read in an object; null in arrays or before the first key. */
  key: string | null;
  /** In an object: the next string is a key (after `{` or `,`). */
  expectKey: boolean;
}

/** Offset of the case's `id` value (its opening quote) in the suite text; undefined when no case has that id. */
export function caseOffset(text: string, caseId: string): number | undefined {
  const stack: Level[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    const top = stack.at(-1);
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      let value: unknown;
      try {
        value = JSON.parse(text.slice(i, j + 1));
      } catch {
        value = undefined;
      }
      if (top?.kind === 'object' && top.expectKey) {
        top.key = typeof value === 'string' ? value : null;
        top.expectKey = false;
      } else if (
        value === caseId &&
        stack.length === 3 &&
        stack[0]!.key === 'cases' &&
        stack[1]!.kind === 'array' &&
        top?.kind === 'object' &&
        top.key === 'id'
      ) {
        return i;
      }
      i = j + 1;
      continue;
    }
    if (ch === '{' || ch === '[')
      stack.push({ kind: ch === '{' ? 'object' : 'array', key: null, expectKey: ch === '{' });
    else if (ch === '}' || ch === ']') stack.pop();
    else if (ch === ',' && top?.kind === 'object') top.expectKey = true;
    i += 1;
  }
  return undefined;
}
