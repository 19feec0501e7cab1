// Where a JSON text first goes wrong, for errors whose JSON.parse message has no position (V8 says only
// `Unexpected token ',', "…" is not valid JSON` for some), so the loaders can still name line:column.

/** Thrown to unwind the scan at the first bad character; caught below, never escapes. */
class SyntaxAt extends Error {
  constructor(readonly offset: number) {
    super(`JSON goes wrong at offset ${offset}`);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Offset of the first character that breaks the JSON grammar (text.length when the text ends early); -1 when valid. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxAt(i);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i += 1;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) fail();
    i += 1;
  };
  const string = () => {
    expect('"');
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i += 1;
        return;
      }
      if (c === '\\') {
        i += 1;
        if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i]!)) i += 1;
        else if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 5;
        else fail();
      } else if (c < ' ') fail();
      else i += 1;
    }
    fail();
  };
  const items = (close: string, item: () => void) => {
    ws();
    if (text[i] === close) {
      i += 1;
      return;
    }
    for (;;) {
      item();
      ws();
      if (text[i] === ',') i += 1;
      else if (text[i] === close) {
        i += 1;
        return;
      } else fail();
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i += 1;
      items('}', () => {
        string();
        expect(':');
        value();
      });
    } else if (c === '[') {
      i += 1;
      items(']', value);
    } else if (c === '"') string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) fail();
      i = NUMBER.lastIndex;
    } else {
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (word === undefined) fail();
      else i += word.length;
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (e) {
    if (e instanceof SyntaxAt) return e.offset;
    throw e;
  }
}
