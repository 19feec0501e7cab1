// A suite file as test items: the file, its cases as children with the range of each case's object (so the
// gutter shows pass/fail beside it). Built from text — a saved file or an open editor's — so ranges follow edits.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkSuiteText, formatIssues } from '../../core/suites/loadSuite';
import { caseSpans, lineColumn, type TextSpan } from '../../core/suites/suiteRanges';
import type { Suite } from '../../core/suites/suiteSchema';

/** A case item's id: the suite file's URI and the case id (a URI string has no raw `#` in its path). */
export function caseItemId(uri: vscode.Uri, caseId: string): string {
  return `${uri.toString()}#${caseId}`;
}

export function spanRange(text: string, span: TextSpan): vscode.Range {
  const start = lineColumn(text, span.offset);
  const end = lineColumn(text, span.offset + span.length);
  return new vscode.Range(start.line, start.character, end.line, end.character);
}

/** What the last read of a suite file gave. */
export interface SuiteRead {
  /** The loaded suite; undefined when the file has problems. */
  suite: Suite | undefined;
  /** `FILE: PATH: PROBLEM` lines, as the CLI prints them; empty when the suite loaded. */
  problems: string;
}

/**
 * Fills `item` (the file's item) from `text`: label, error and one child per case with an id. A file with
 * problems keeps its cases (found in the text) so their last results stay, and says what is wrong in `error`.
 */
export function fillSuiteItem(controller: vscode.TestController, item: vscode.TestItem, text: string): SuiteRead {
  const uri = item.uri!;
  const label = vscode.workspace.asRelativePath(uri, false);
  const checked = checkSuiteText(text, label);
  item.label = checked.suite?.name ?? path.basename(uri.path);
  item.description = label;
  item.error = checked.suite ? undefined : new vscode.MarkdownString(formatIssues(label, checked.issues));
  item.range = new vscode.Range(0, 0, 0, 0);
  const descriptions = new Map(checked.suite?.cases.map((c) => [c.id, c.description]) ?? []);
  const seen = new Set<string>();
  const children: vscode.TestItem[] = [];
  for (const span of caseSpans(text)) {
    // A duplicate id is a problem the error names; the first case keeps the item.
    if (span.id === undefined || seen.has(span.id)) continue;
    seen.add(span.id);
    const child = controller.createTestItem(caseItemId(uri, span.id), span.id, uri);
    child.range = spanRange(text, span);
    child.description = descriptions.get(span.id);
    child.sortText = String(span.index).padStart(6, '0');
    children.push(child);
  }
  item.children.replace(children);
  item.canResolveChildren = false;
  return { suite: checked.suite, problems: checked.suite ? '' : formatIssues(label, checked.issues) };
}
