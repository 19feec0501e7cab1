// Problems of a *.suite.json that its JSON Schema cannot see (an expected tool the suite does not define, an
// argument the tool's schema lacks, a duplicate case id, a matcher of the wrong shape) as diagnostics while
// the user types, with the CLI's exit-2 messages (`PATH: PROBLEM`, the file being the one open) on the
// path's range. Syntax and structure errors are left to VS Code's JSON validation, which already shows them.
import * as vscode from 'vscode';
import type * as LoadSuiteModule from '../../core/suites/loadSuite';
import type * as SuiteRangesModule from '../../core/suites/suiteRanges';

// Lazy: the suite loader (zod schemas) loads when a suite file is first opened, not at activation.
const loadSuite = (): typeof LoadSuiteModule => require('../../core/suites/loadSuite') as typeof LoadSuiteModule;
const suiteRanges = (): typeof SuiteRangesModule =>
  require('../../core/suites/suiteRanges') as typeof SuiteRangesModule;

const TYPING_PAUSE_MS = 250;

/** One diagnostic as plain data: the message and 0-based line:character ends. */
export interface SuiteProblem {
  message: string;
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** The cross-reference problems of a suite text, each placed on its JSON path; none while structure is broken. */
export function suiteProblems(text: string): SuiteProblem[] {
  const { issueSpan, lineColumn } = suiteRanges();
  const checked = loadSuite().checkSuiteText(text, '');
  // Only the last stage is ours: a syntax error or a structural one is shown by the JSON language already.
  if (checked.suite || checked.stage !== 'references') return [];
  return checked.issues.map((issue) => {
    const span = issueSpan(text, issue);
    return {
      message: issue.path ? `${issue.path}: ${issue.message}` : issue.message,
      start: lineColumn(text, span.offset),
      end: lineColumn(text, span.offset + span.length),
    };
  });
}

function toDiagnostic(p: SuiteProblem): vscode.Diagnostic {
  const range = new vscode.Range(p.start.line, p.start.character, p.end.line, p.end.character);
  const d = new vscode.Diagnostic(range, p.message, vscode.DiagnosticSeverity.Error);
  d.source = 'Prompt Tuner';
  return d;
}

const isSuite = (doc: vscode.TextDocument): boolean => doc.uri.path.endsWith('.suite.json');

/** Keeps a diagnostic collection in step with every open suite file: on open, as the user types, on close. */
export function startSuiteDiagnostics(): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('promptTuner.suites');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const check = (doc: vscode.TextDocument) => {
    if (!isSuite(doc) || doc.isClosed) return;
    collection.set(doc.uri, suiteProblems(doc.getText()).map(toDiagnostic));
  };
  const later = (doc: vscode.TextDocument) => {
    if (!isSuite(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        check(doc);
      }, TYPING_PAUSE_MS),
    );
  };
  const subscriptions = [
    collection,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => later(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      clearTimeout(timers.get(doc.uri.toString()));
      collection.delete(doc.uri);
    }),
  ];
  // Files open before activation: checked after activate() returns, so the suite loader loads off its path.
  const first = setTimeout(() => vscode.workspace.textDocuments.forEach(check), 0);
  return {
    dispose: () => {
      clearTimeout(first);
      for (const t of timers.values()) clearTimeout(t);
      for (const s of subscriptions) s.dispose();
    },
  };
}
