// Where things are in a suite file's text: a problem's JSON path (as loadSuite names it) and each case, as
// offsets. Read with jsonc-parser, which builds a tree from broken or unsaved text too, so the editor can
// place diagnostics and test items while the user types. Pure: no vscode, no file system.
// The ESM build: the package's `main` is a UMD bundle whose inner require()s esbuild cannot follow.
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser/lib/esm/main.js';
import type { SuiteIssue } from './loadSuite';

/** A span of the text: `length` characters from `offset`. */
export interface TextSpan {
  offset: number;
  length: number;
}

/** One case as written: its id (when it has a string id), its index and the span of its object. */
export interface CaseSpan extends TextSpan {
  index: number;
  id: string | undefined;
}

/** `cases[3].expect.args["arrival date"]` → ['cases', 3, 'expect', 'args', 'arrival date']; undefined if malformed. */
export function parseJsonPath(path: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  const token = /\.?([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let at = 0;
  while (at < path.length) {
    token.lastIndex = at;
    const m = token.exec(path);
    // A leading dot, or a name right after another name without a dot, is not what formatPath writes.
    if (!m || (m[1] !== undefined && (at === 0 ? m[0].startsWith('.') : !m[0].startsWith('.')))) return undefined;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
    at = token.lastIndex;
  }
  return out;
}

/** 0-based line and character of an offset (lines split at \n, as editors count them for JSON). */
export function lineColumn(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, character: end - lineStart };
}

function offsetOfLineColumn(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l += 1) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  return Math.min(offset + column - 1, text.length);
}

function span(node: Node): TextSpan {
  return { offset: node.offset, length: node.length };
}

/** What to underline for a node: a property's key, else an object's first key, else the node itself. */
function mark(node: Node): TextSpan {
  const parent = node.parent;
  if (parent?.type === 'property' && parent.children?.[1] === node && (node.type === 'object' || node.type === 'array'))
    return span(parent.children[0]!);
  if (node.type === 'object') {
    const firstKey = node.children?.[0]?.children?.[0];
    if (firstKey) return span(firstKey);
  }
  if (node.type === 'array' && node.length > 0) return { offset: node.offset, length: 1 };
  return span(node);
}

/**
 * The span a problem belongs on. A path that exists in the text gives its value (a key for unknown keys,
 * the key of an object or array value); a missing one (a required field) its nearest existing parent.
 * A syntax error gives its line:column; a problem of the whole file the first character.
 */
export function issueSpan(text: string, issue: SuiteIssue, root: Node | undefined = parseTree(text)): TextSpan {
  const syntax = /^invalid JSON at line (\d+):(\d+)/.exec(issue.message);
  if (syntax) {
    const offset = offsetOfLineColumn(text, Number(syntax[1]), Number(syntax[2]));
    return { offset, length: offset < text.length ? 1 : 0 };
  }
  const segments = parseJsonPath(issue.path);
  if (!root || !segments || segments.length === 0) return { offset: 0, length: Math.min(1, text.length) };
  for (let n = segments.length; n > 0; n -= 1) {
    const node = findNodeAtLocation(root, segments.slice(0, n));
    if (!node) continue;
    const exact = n === segments.length;
    if (exact && /^unknown keys?\b/.test(issue.message) && node.parent?.type === 'property')
      return span(node.parent.children![0]!);
    return mark(node);
  }
  return { offset: root.offset, length: Math.min(1, root.length) };
}

/** Every element of the top-level `cases` array, with its id when it is a string. */
export function caseSpans(text: string, root: Node | undefined = parseTree(text)): CaseSpan[] {
  const cases = root ? findNodeAtLocation(root, ['cases']) : undefined;
  if (cases?.type !== 'array') return [];
  return (cases.children ?? []).map((node, index) => {
    const idNode = node.type === 'object' ? findNodeAtLocation(node, ['id']) : undefined;
    const id = idNode?.type === 'string' && typeof idNode.value === 'string' ? idNode.value : undefined;
    return { index, id, offset: node.offset, length: node.length };
  });
}
