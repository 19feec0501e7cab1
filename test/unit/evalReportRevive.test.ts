// The Evaluation Report panel after "Developer: Reload Window" in the editor host (fake VS Code): the serializer
// VS Code calls with the state the webview saved brings back the same report (one prompt, or two compared),
// Open in Suite still finds the case, and a state that is not a report brings back an empty panel, not an error.
// Also: what the webview keeps of a report stays bounded, and a report of hundreds of cases is kept whole.
import { fake, fakeVscodeModule, TextDocument, Uri } from './extensionFakeVscode';
// The webview-panel fakes first: the testing fakes wrap what is there when they load (trust, relative paths).
import { panels } from './extensionOptimizeFakes';
import { Position } from './testingFakeVscode';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { summarize, type CaseResult } from '../../src/core/suites/evaluate';
import type { Suite } from '../../src/core/suites/suiteSchema';
import { EvalPanel } from '../../src/extension/evalReport/evalPanel';
import { registerEvalReportSerializer } from '../../src/extension/evalReport/evalSerializer';
import { buildReportView } from '../../src/extension/evalReport/reportView';
import type { EvalReportView, HostMessage } from '../../src/protocol/evalPanel';
import { SAVED_REPORT_BUDGET, reportToSave } from '../../webview/eval/savedReport';
import { compareReport, singleReport, SUITE } from '../webview/evalFixtures';
import { fakeExtensionHost, type FakeExtensionHost } from '../support/fakeExtensionHost';
import { registerTsImportHook } from '../support/tsImportHook';
import { until } from '../support/until';

// The serializer loads the panel module with import(), as the extension's bundle does.
registerTsImportHook();

const EVAL_VIEW_TYPE = 'promptTuner.evalReport';

/** The state the webview saves for this report (webview/eval/evalApp's viewState), as VS Code hands it back. */
function savedState(report: EvalReportView): unknown {
  return JSON.parse(
    JSON.stringify({
      v: 2,
      report: reportToSave(report),
      filter: { outcome: 'failed', model: '', text: '' },
      open: null,
      notKept: null,
    }),
  );
}

/** A report of `cases` cases on `models` models, A and B compared, answers of `answer` characters. */
function bigReport(cases: number, models: number, answer: number, repeat = 1): EvalReportView {
  const ids = Array.from({ length: models }, (_, i) => `openai/model-${i}`);
  const suite: Suite = {
    name: 'Big',
    file: 'suites/big.suite.json',
    tools: [],
    cases: Array.from({ length: cases }, (_, i) => ({
      id: `case-${i}`,
      description: 'What this case checks, in one sentence.',
      messages: [{ role: 'user' as const, content: `Weather in Lisbon on 2026-12-05? ${'x'.repeat(200)}` }],
      expect: { kind: 'calls' as const, calls: [{ tool: 'get_weather', args: { city: 'Lisbon' } }] },
    })),
  };
  const results: CaseResult[] = suite.cases.flatMap((c, i) =>
    ids.flatMap((model) =>
      Array.from({ length: repeat }, (_, k) => ({
        caseId: c.id,
        model,
        repeat: k,
        pass: i % 3 !== 0,
        reason: i % 3 !== 0 ? null : ('value_error' as const),
        detail: i % 3 !== 0 ? null : 'args.date: expected "2026-12-05", got "December 5"',
        toolCalls: [{ name: 'get_weather', arguments: { city: 'Lisbon' }, rawArguments: '' }],
        text: 'y'.repeat(answer),
        latencyMs: 800,
        usage: { inputTokens: 400, outputTokens: 20, cachedInputTokens: 0 },
        costUsd: 0.0001,
        cached: false,
      })),
    ),
  );
  const run = (label: string) => ({
    label,
    title: `${label}.md`,
    text: 'p'.repeat(8000),
    partial: null,
    summary: summarize(
      results,
      ids,
      suite.cases.map((c) => c.id),
      repeat,
    ),
  });
  return buildReportView({
    suite,
    suiteFile: suite.file,
    models: ids,
    repeat,
    runs: [run('A'), run('B')],
    finishedAt: new Date('2026-12-01T12:00:00Z'),
  });
}

describe('evaluation report panel after a window reload (fake VS Code)', () => {
  let ws: string;
  let host: FakeExtensionHost;
  let serializer: vscode.WebviewPanelSerializer | undefined;
  let shown: { uri: string; selection: unknown }[];
  const win = fakeVscodeModule.window as unknown as Record<string, unknown>;
  const docProto = TextDocument.prototype as unknown as Record<string, unknown>;
  let before: { register: unknown; show: unknown; positionAt: unknown };

  beforeEach(() => {
    fake.reset();
    panels.length = 0;
    ws = mkdtempSync(path.join(tmpdir(), 'pt-eval-revive-ws-'));
    mkdirSync(path.join(ws, 'suites'));
    writeFileSync(path.join(ws, SUITE.file), JSON.stringify({ name: SUITE.name, cases: SUITE.cases }, null, 2));
    host = fakeExtensionHost(ws);
    before = {
      register: win['registerWebviewPanelSerializer'],
      show: win['showTextDocument'],
      positionAt: docProto['positionAt'],
    };
    serializer = undefined;
    win['registerWebviewPanelSerializer'] = (viewType: string, s: vscode.WebviewPanelSerializer) => {
      if (viewType === EVAL_VIEW_TYPE) serializer = s;
      return { dispose() {} };
    };
    shown = [];
    const show = before.show as (d: TextDocument) => Promise<unknown>;
    win['showTextDocument'] = (doc: TextDocument, options?: { selection?: unknown }) => {
      shown.push({ uri: doc.uri.fsPath, selection: options?.selection });
      return show(doc);
    };
    // The shared fake's documents are one line: the offset is the character.
    docProto['positionAt'] ??= (offset: number) => new Position(0, offset);
  });
  afterEach(() => {
    EvalPanel.shown?.dispose();
    win['registerWebviewPanelSerializer'] = before.register;
    win['showTextDocument'] = before.show;
    docProto['positionAt'] = before.positionAt;
    host.dispose();
    rmSync(ws, { recursive: true, force: true });
  });

  /** Registers the serializer as the suites feature does and lets VS Code restore a panel with this state. */
  async function reload(state: unknown) {
    const output = fakeVscodeModule.window.createOutputChannel() as unknown as vscode.OutputChannel;
    host.subscriptions.push(registerEvalReportSerializer(host.ctx, output));
    assert.ok(serializer, `a serializer is registered for ${EVAL_VIEW_TYPE}`);
    // VS Code makes the restored panel itself (a fresh one, with an empty page) and hands it over.
    const createPanel = win['createWebviewPanel'] as () => vscode.WebviewPanel;
    const panel = createPanel();
    const fakePanel = panels[panels.length - 1]!;
    await serializer.deserializeWebviewPanel(panel, state);
    fakePanel.receive({ type: 'webview/ready' });
    // report/didChange is the only message this panel posts.
    const first = await until(() => (fakePanel.posted as unknown as HostMessage[])[0], 'the report sent');
    return { panel, fakePanel, report: first.report };
  }

  it('shows the same single-prompt report, and Open in Suite still opens the suite at the case', async () => {
    const report = singleReport();
    const { panel, fakePanel, report: shownReport } = await reload(savedState(report));
    assert.match(panel.webview.html, /<eval-app><\/eval-app>/, 'the restored panel gets its page again');
    assert.deepEqual(shownReport, report);
    assert.equal(EvalPanel.shown?.panel, panel, 'Show Report brings this panel to the front');

    fakePanel.receive({ type: 'case/openInSuite', caseId: 'hotel-nights' });
    const opened = await until(() => shown[0], 'the suite opened');
    assert.equal(opened.uri, path.join(ws, SUITE.file));
    const text = (await fakeVscodeModule.workspace.openTextDocument(Uri.file(opened.uri))).getText();
    const at = (opened.selection as { start: Position }).start.character;
    assert.ok(text.startsWith('"hotel-nights"', at), `at the case's id: ${text.slice(at, at + 30)}`);
  });

  it('shows the same comparison of two prompts', async () => {
    const report = compareReport();
    const { report: shownReport } = await reload(savedState(report));
    assert.deepEqual(shownReport, report);
    assert.equal(shownReport.runs.length, 2);
    assert.match(shownReport.comparison?.verdict ?? '', /B looks better/);
  });

  it('a state without a report (an older panel) or a broken one brings back an empty panel, not an error', async () => {
    const old = await reload({ v: 1, filter: { outcome: '', model: '', text: '' }, open: null });
    assert.equal(old.report, null);
    EvalPanel.shown?.dispose();
    const broken = savedState(singleReport()) as { report: { runs: unknown[] } };
    broken.report.runs = [];
    const { report } = await reload(broken);
    assert.equal(report, null);
    assert.ok(
      fake.messages.some((m) => m.kind === 'log.warn' && /saved report was not restored: report\.runs/.test(m.text)),
      JSON.stringify(fake.messages),
    );
  });
});

describe('what the evaluation report webview keeps of a report across a reload', () => {
  it('keeps a report of hundreds of cases whole (300 cases × 3 models, A and B)', () => {
    const report = bigReport(300, 3, 200);
    const size = JSON.stringify(report).length;
    assert.ok(size < SAVED_REPORT_BUDGET, `${size} chars`);
    assert.equal(reportToSave(report), report);
  });

  it('shortens long texts when the whole report is over the budget, and keeps none when even that is', () => {
    const long = bigReport(300, 3, 5000);
    const kept = reportToSave(long);
    assert.ok(kept, 'kept, shortened');
    assert.ok(JSON.stringify(kept).length <= SAVED_REPORT_BUDGET);
    const text = kept.runs[0]!.results[0]!.text;
    assert.match(text, /^y{400}… \(4,600 more characters not kept across the window reload\)$/);
    assert.equal(kept.runs[0]!.results.length, long.runs[0]!.results.length, 'every result is kept');
    assert.equal(reportToSave(bigReport(100, 3, 0), 50_000), null, 'too large even shortened');
  });
});
