// Issue 3's editor commands in a real VS Code, against the model simulator run.ts starts (the extension host
// gets OPENAI_BASE_URL from code-server's environment): Set API Key, Test Model Connection (a model that
// answers and one that fails on purpose), Evaluate Prompt on Suite with its report in the output panel, the
// key found nowhere on disk outside VS Code's secret storage, the stored key winning over OPENAI_API_KEY (a
// stored "bad-key" is refused), and Clear API Key (after it the environment's key works again).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { E2E_DIR, REPO_ROOT, RESULTS_DIR } from './paths';
import type { StepRunner } from './steps';
import { TUNING_SUITE_PATH } from './tuningFlow';
import type { Workbench } from './workbench';

/** A key nobody would write by accident: its bytes are looked for on disk. */
const SECRET = 'sk-e2e-SECRET-4f9c2';
const SIM_MODEL = 'openai/sim-1';
/** The simulator answers this model with 401 whatever the key. */
const FAILING_MODEL = 'openai/fail-401';
/** The prompt evaluated: the suite's plain base prompt, as a workspace file ("Current file"). */
const BASE_PROMPT_FILE = 'base-prompt.md';
const BASE_PROMPT = 'You are a helpful travel assistant.\n';

export interface ModelsFlowContext {
  workbench: () => Workbench;
  steps: StepRunner;
  workspace: string;
  /** VS Code's user data folder of this run (settings, logs). */
  userDataDir: string;
  /** More files that must not hold the key (e.g. code-server's log). */
  extraFiles: string[];
  /** Calls the simulator answered so far. */
  simCalls: () => Promise<number>;
}

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) walk(p, out);
    else if (st?.isFile()) out.push(p);
  }
  return out;
}

/** The files among FILES whose bytes hold the secret (UTF-8, UTF-16 or base64, as a store might write it). */
function filesHoldingSecret(files: string[]): string[] {
  const needles = [
    Buffer.from(SECRET, 'utf8'),
    Buffer.from(SECRET, 'utf16le'),
    Buffer.from(Buffer.from(SECRET, 'utf8').toString('base64'), 'utf8'),
  ];
  return files.filter((f) => {
    const bytes = readFileSync(f);
    return needles.some((n) => bytes.includes(n));
  });
}

/** The CLI on the same suite, prompt and simulator: a witness outside VS Code of the score. */
const CliEval = z.object({ status: z.string(), score: z.number(), cases: z.array(z.object({ pass: z.boolean() })) });
function cliEval(workspace: string): z.infer<typeof CliEval> {
  const cli = join(REPO_ROOT, 'dist', 'cli.js');
  const args = [
    'eval',
    '--suite',
    join(workspace, TUNING_SUITE_PATH),
    '--prompt-file',
    join(workspace, BASE_PROMPT_FILE),
    '--model',
    SIM_MODEL,
    '--json',
    '--workspace',
    workspace,
  ];
  // OPENAI_BASE_URL / OPENAI_API_KEY: run.ts set them to the simulator for the extension host, the CLI gets the same.
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, env: process.env });
  if (r.status !== 0) throw new Error(`prompt-tuner eval exited ${r.status}: ${r.stderr || r.stdout}`);
  const parsed = CliEval.safeParse(JSON.parse(r.stdout));
  if (!parsed.success) throw new Error(`prompt-tuner eval --json: ${parsed.error.message}`);
  return parsed.data;
}

/** Whether the open input box hides what is typed (type="password"). */
async function passwordBox(wb: Workbench): Promise<boolean> {
  const input = wb.quickInput().locator('input').first();
  await input.waitFor({ state: 'visible' });
  return (await input.getAttribute('type')) === 'password';
}

/** The label of each row of the open quick pick (the first label of a row: not its description or detail). */
async function rowLabels(wb: Workbench): Promise<string[]> {
  const rows = await wb.quickInput().locator('.monaco-list-row').all();
  const labels: string[] = [];
  for (const row of rows) labels.push(((await row.locator('.label-name').allInnerTexts())[0] ?? '').trim());
  return labels.filter(Boolean);
}

/** Waits for a toast of SEVERITY ('info' | 'error') whose message contains TEXT; returns the message. */
async function toastMessage(
  wb: Workbench,
  severity: 'info' | 'error',
  text: string | RegExp,
  timeout = 15_000,
): Promise<string> {
  const toast = wb.page
    .locator('.notifications-toasts .notification-toast')
    .filter({ has: wb.page.locator(`.codicon-${severity}`) })
    .filter({ has: wb.page.locator('.notification-list-item-message', { hasText: text }) })
    .first();
  await toast.waitFor({ state: 'visible', timeout });
  // Let the fade-in finish, so the step's screenshot shows the toast.
  await wb.page.waitForTimeout(400);
  return (await toast.locator('.notification-list-item-message').innerText()).replace(/\s+/g, ' ').trim();
}

/** Clears every toast (the workbench's own command), so the next step's screenshot shows only its own. */
async function clearToasts(wb: Workbench): Promise<void> {
  await wb.runCommand('Notifications: Clear All Notifications');
  await wb.page
    .locator('.notifications-toasts .notification-toast')
    .first()
    .waitFor({ state: 'hidden', timeout: 5_000 })
    .catch(() => {});
}

/** Waits until the "Testing MODEL…" progress toast has gone (VS Code keeps it up a moment after the call). */
async function progressGone(wb: Workbench, model: string): Promise<void> {
  await wb.page
    .locator('.notifications-toasts .notification-toast', { hasText: `Testing ${model}` })
    .waitFor({ state: 'hidden', timeout: 10_000 })
    .catch(() => {});
}

/** Runs Test Model Connection on MODEL, typed in as "Enter a model id…". */
async function testConnection(wb: Workbench, model: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await wb.runCommand('Prompt Tuner: Test Model Connection');
    await wb.expectQuickInput('Model to test');
    try {
      await wb.pickQuickItem('Enter a model id…');
      break;
    } catch (e) {
      // On a loaded machine with several webview panels open the pick has closed by itself before the click
      // (focus left the workbench); a pick still open that refuses the click is a real failure.
      if (attempt === 2 || (await wb.quickInput().isVisible())) throw e;
      wb.trace('the model pick closed before the click: running the command again');
    }
  }
  await wb.expectQuickInput('Model id as provider/model');
  await wb.answerInput(model);
}

/** Runs Set API Key for openai and types KEY into its password box; returns the openai row's description. */
async function setOpenaiKey(
  wb: Workbench,
  key: string,
  screenshot?: string,
): Promise<{ providers: string[]; openaiDescription: string; password: boolean }> {
  // The flow before this one can leave a webview that takes focus back once (its last render), and a quick pick that
  // loses focus closes: if it closed before the pick, the command is run again, as a user would.
  for (let attempt = 1; ; attempt++) {
    await wb.runCommand('Prompt Tuner: Set API Key');
    await wb.expectQuickInput('Provider or endpoint the key is for');
    await wb.page.waitForTimeout(300);
    if (await wb.quickInput().isVisible()) break;
    if (attempt === 3) throw new Error('the Set API Key quick pick closed by itself three times');
  }
  const providers = await rowLabels(wb);
  const openaiRow = wb
    .quickInput()
    .locator('.monaco-list-row')
    .filter({ has: wb.page.locator('.label-name', { hasText: /^\s*openai\s*$/ }) })
    .first();
  // allInnerTexts does not wait: a row without a description has no such element.
  const openaiDescription = (await openaiRow.locator('.label-description').allInnerTexts()).join(' ').trim();
  await wb.pickQuickItem('openai');
  await wb.expectQuickInput('API key for openai');
  const password = await passwordBox(wb);
  // Not wb.answerInput: its E2E_DEBUG trace would print the key.
  await wb.quickInput().locator('input').first().fill(key);
  if (screenshot) await wb.screenshot(screenshot);
  await wb.page.keyboard.press('Enter');
  return { providers, openaiDescription, password };
}

/** Quick Open of a file written during the run: under load the search index may not have it yet, so retry. */
async function openNewFile(wb: Workbench, name: string, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      await wb.openFile(name);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await wb.closeQuickInput();
      await wb.page.waitForTimeout(1_000);
    }
  }
}

/** The text of the output panel's editor (monaco renders only what is in view: scrolled to the end first). */
async function outputPanelText(wb: Workbench, expect: RegExp, timeout = 20_000): Promise<string> {
  const editor = wb.page.locator('.part.panel .monaco-editor').first();
  const deadline = Date.now() + timeout;
  let text = '';
  let scrolled = false;
  while (Date.now() < deadline) {
    text = (
      await editor
        .locator('.view-lines')
        .innerText()
        .catch(() => '')
    ).replace(/\u00a0/g, ' ');
    if (expect.test(text)) return text;
    if (!scrolled && text.trim()) {
      // The report can be taller than the panel: go to its end, where the score line is.
      await editor
        .locator('.view-lines')
        .click({ position: { x: 5, y: 5 } })
        .catch(() => {});
      await wb.page.keyboard.press('Control+End');
      scrolled = true;
    }
    await wb.page.waitForTimeout(200);
  }
  throw new Error(
    `expected the output panel to show ${expect}; it shows ${JSON.stringify(text.trim().slice(0, 600)) || 'nothing'}`,
  );
}

export async function modelsFlow(ctx: ModelsFlowContext): Promise<void> {
  const { steps, workspace, userDataDir } = ctx;
  // Written now, so VS Code's file watcher and search have seen it by the time Quick Open looks for it.
  writeFileSync(join(workspace, BASE_PROMPT_FILE), BASE_PROMPT);

  await steps.step(
    'Set API Key stores a key for openai from a password box',
    async () => {
      const wb = ctx.workbench();
      // Start from a clean workbench: the report panel the eval flow left open holds the focus.
      await wb.runCommand('View: Close All Editors');
      await clearToasts(wb);
      const shot = join(RESULTS_DIR, 'models-set-api-key-password-box.png');
      const { providers, password } = await setOpenaiKey(wb, SECRET, shot);
      assert.ok(
        providers.includes('openai') && providers.includes('anthropic'),
        `the providers offered include openai and anthropic: ${JSON.stringify(providers)}`,
      );
      assert.ok(password, 'the key is typed into a password box (type="password")');
      const toast = await toastMessage(wb, 'info', 'Saved the API key for openai');
      assert.ok(!toast.includes(SECRET), 'the toast does not show the key');
      return `providers ${JSON.stringify(providers)}, password box (screenshot ${shot.slice(REPO_ROOT.length + 1)}), toast "${toast.split('\n')[0]}"`;
    },
    { critical: true },
  );

  await steps.step('Test Model Connection connects to openai/sim-1 and shows the latency', async () => {
    const wb = ctx.workbench();
    await clearToasts(wb);
    const before = await ctx.simCalls();
    await testConnection(wb, SIM_MODEL);
    const toast = await toastMessage(wb, 'info', 'Connected to', 30_000);
    assert.match(toast, /Connected to \S*sim-1 in \d+ ms/, `the toast names the model and a latency: "${toast}"`);
    const calls = (await ctx.simCalls()) - before;
    // cache: false — a connection test always reaches the server.
    assert.equal(calls, 1, 'the test made exactly one call to the simulator');
    await progressGone(wb, SIM_MODEL);
    return `toast "${toast.split('\n')[0]}", ${calls} simulator call`;
  });

  await steps.step(
    'Evaluate Prompt on Suite reports the score in the output panel',
    async () => {
      const wb = ctx.workbench();
      await clearToasts(wb);
      await openNewFile(wb, BASE_PROMPT_FILE);
      await wb.runCommand('Prompt Tuner: Evaluate Prompt on Suite');
      // One *.suite.json in the workspace: the command takes it without asking. Then the prompt source.
      await wb.expectQuickInput('System prompt to evaluate');
      const sources = await rowLabels(wb);
      await wb.pickQuickItem('Current file');
      // The known models (providers with a key) as a multi-pick, plus a row to type ids.
      await wb.expectQuickInput('Models to run every case on');
      await wb.pickQuickItem('Other model ids…');
      await wb.page.keyboard.press('Enter');
      await wb.expectQuickInput('provider/model, separated by commas');
      await wb.answerInput(SIM_MODEL);
      const toast = await toastMessage(wb, 'info', `${BASE_PROMPT_FILE} scored`, 60_000);
      const toastScore = /scored (\d+\.\d)% on Travel desk \((\d+)\/(\d+) passed\)/.exec(toast);
      assert.ok(toastScore, `the toast gives score and passed/total: "${toast}"`);
      const report = await outputPanelText(wb, /Score: \d+\.\d%/);
      const channel = await wb.page
        .locator('.part.panel select.monaco-select-box, .part.panel .monaco-select-box')
        .first()
        .evaluate((el) => {
          const box = el as unknown as {
            title?: string;
            innerText?: string;
            selectedIndex?: number;
            options?: { text: string }[];
          };
          return (
            (box.options && box.selectedIndex !== undefined ? box.options[box.selectedIndex]?.text : undefined) ??
            box.title ??
            box.innerText ??
            ''
          );
        })
        .catch(() => '');
      assert.equal(
        channel.trim(),
        'Prompt Tuner: Evaluation',
        'the output panel shows the "Prompt Tuner: Evaluation" channel',
      );
      const scoreLine = /Score: (\d+\.\d)% \((\d+)\/(\d+) passed\)/.exec(report);
      assert.ok(scoreLine, `the report has a "Score: X% (p/n passed)" line: ${JSON.stringify(report.slice(-400))}`);
      assert.equal(scoreLine[1], toastScore[1], 'the report and the toast give the same score');
      const cli = cliEval(workspace);
      const cliPercent = (cli.score * 100).toFixed(1);
      assert.equal(
        scoreLine[1],
        cliPercent,
        `the CLI scores the same prompt on the same suite and model at ${cliPercent}%`,
      );
      assert.equal(Number(scoreLine[3]), cli.cases.length, 'as many results as the CLI run');
      return `sources ${JSON.stringify(sources)}; toast "${toast.split('\n')[0]}"; report "${scoreLine[0]}"; the CLI: ${cliPercent}%`;
    },
    { timeoutMs: 120_000 },
  );

  await steps.step('Test Model Connection on a failing model says what to fix', async () => {
    const wb = ctx.workbench();
    await wb.closeQuickInput();
    await clearToasts(wb);
    await testConnection(wb, FAILING_MODEL);
    const toast = await toastMessage(wb, 'error', FAILING_MODEL.split('/')[0]!, 30_000);
    assert.match(toast, /^401 from openai/, `the error gives the status and the provider: "${toast}"`);
    assert.match(toast, /Set API Key/, `the error names the command that fixes it: "${toast}"`);
    assert.match(toast, /key/i, `the error says the key is the problem: "${toast}"`);
    const button = wb.page
      .locator('.notifications-toasts .notification-toast', { hasText: '401 from' })
      .locator('.monaco-button', { hasText: 'Set API Key' });
    assert.ok(await button.isVisible(), 'the error offers a "Set API Key" button');
    assert.ok(!toast.includes(SECRET), 'the error does not show the key');
    await progressGone(wb, FAILING_MODEL);
    return `toast "${toast}"`;
  });

  await steps.step('the key is on disk nowhere but secret storage', async () => {
    // Where the key does live: code-server's web workbench keeps SecretStorage in the browser's localStorage
    // (Chromium's profile, a temporary playwright_chromiumdev_profile-* folder under TMPDIR = .e2e/tmp),
    // AES-encrypted with a key whose server half is <user-data>/serve-web-key-half (code-server's /mint-key).
    // So no file of the user data folder is a secret store and none is excluded. Chromium's profile is searched
    // too (the key may be there only encrypted; Chromium writes localStorage to disk lazily, so that part is a
    // best effort, noted rather than asserted when the profile is not found). Searched: every file of the
    // workspace (its .prompt-tuner/ store included), the whole user data folder (User/settings.json, the logs of
    // the extension host, the extension's own log channel and its output channels), code-server's log, and
    // Chromium's profile.
    const store = walk(join(workspace, '.prompt-tuner'));
    assert.ok(store.length > 0, `the workspace store exists (${join(workspace, '.prompt-tuner')})`);
    const settings = join(userDataDir, 'User', 'settings.json');
    assert.ok(existsSync(settings), 'User/settings.json exists');
    const logs = walk(join(userDataDir, 'logs'));
    const extensionLogs = logs.filter((f) => /prompt-tuner\.prompt-tuner|Prompt Tuner/.test(f));
    assert.ok(extensionLogs.length > 0, `the extension's log files exist under ${join(userDataDir, 'logs')}`);
    // The extension logged the key's storing: the logs read are the ones this run wrote.
    assert.ok(
      extensionLogs.some((f) => readFileSync(f, 'utf8').includes('API key for openai stored in secret storage')),
      'the extension log has the "API key for openai stored" line (so the right log was searched)',
    );
    const tmp = join(E2E_DIR, 'tmp');
    const profiles = readdirSync(tmp).filter(
      (d) => d.startsWith('playwright') && existsSync(join(tmp, d, 'Default', 'Local Storage')),
    );
    const browserFiles = profiles.flatMap((d) => walk(join(tmp, d)));
    const files = [
      ...new Set([
        ...walk(workspace),
        ...walk(userDataDir),
        settings,
        ...ctx.extraFiles.filter((f) => existsSync(f)),
        ...browserFiles,
      ]),
    ];
    const found = filesHoldingSecret(files);
    assert.deepEqual(
      found.map((f) => relative(REPO_ROOT, f)),
      [],
      'no file holds the key',
    );
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    return `${files.length} files (${(bytes / 1024).toFixed(0)} KiB) searched: ${store.length} in .prompt-tuner/, settings.json, ${extensionLogs.length} extension log file(s), ${logs.length} log files in all, ${profiles.length > 0 ? `${browserFiles.length} in Chromium's profile` : `Chromium's profile not found under ${tmp}`}; none holds the key`;
  });

  await steps.step('the stored key is the one sent: a stored "bad-key" is refused', async () => {
    // The extension host also has OPENAI_API_KEY (run.ts): a key in secret storage must win over it.
    const wb = ctx.workbench();
    await clearToasts(wb);
    const { openaiDescription } = await setOpenaiKey(wb, 'bad-key');
    assert.equal(openaiDescription, 'key stored', 'Set API Key marks openai as having a stored key');
    await toastMessage(wb, 'info', 'Saved the API key for openai');
    // The simulator refuses exactly this key with 401, whatever the model.
    await testConnection(wb, SIM_MODEL);
    const toast = await toastMessage(wb, 'error', '401 from openai', 30_000);
    await progressGone(wb, SIM_MODEL);
    return `openai row "${openaiDescription}"; with bad-key stored, ${SIM_MODEL} → "${toast}"`;
  });

  await steps.step('Clear API Key removes the openai key', async () => {
    const wb = ctx.workbench();
    await clearToasts(wb);
    await wb.runCommand('Prompt Tuner: Clear API Key');
    await wb.expectQuickInput('Provider whose key to remove');
    // Only providers with a stored key are offered.
    const stored = await rowLabels(wb);
    assert.deepEqual(stored, ['openai'], 'the one stored key is offered');
    await wb.pickQuickItem('openai');
    const toast = await toastMessage(wb, 'info', 'Removed the API key for openai');
    // Asked again, the command finds no key left.
    await clearToasts(wb);
    await wb.runCommand('Prompt Tuner: Clear API Key');
    const none = await toastMessage(wb, 'info', 'No API keys are stored');
    // The refused key is gone from use too: the connection falls back to the environment's key again.
    await clearToasts(wb);
    await testConnection(wb, SIM_MODEL);
    const connected = await toastMessage(wb, 'info', 'Connected to', 30_000);
    await progressGone(wb, SIM_MODEL);
    return `offered ${JSON.stringify(stored)}; toast "${toast}"; then "${none}"; then "${connected}"`;
  });
}
