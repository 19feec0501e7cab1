// `npm run test:e2e`: package the VSIX, install it into code-server, open a workspace in Chromium
// and drive the library flow. Needs `bash scripts/e2e/setup.sh` first. Options:
//   --no-package   reuse the VSIX from the last `npm run package`
//   --vsix FILE    install FILE instead of packaging this checkout
//   --keep-open    leave code-server running after the run and print its URL (stop it with Ctrl-C)
//   --only A,B     run only these flows (library, tuning, scale, optimize, eval, models, testing), to iterate faster
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS } from '../support/chromium';
import { hostLogErrors, readActivation } from './activation';
import {
  assertInstalled,
  installExtension,
  startCodeServer,
  writeUserSettings,
  type RunningCodeServer,
} from './codeServer';
import { AGENT_MD, NOTES_MD, libraryFlow, type FlowContext } from './libraryFlow';
import { startSimulator, type Simulator } from '../sim/server';
import { TUNING_SUITE_PATH, tuningFlow } from './tuningFlow';
import { modelsFlow } from './modelsFlow';
import { SCALE_AGENT_PATH, SCALE_E2E_SETTINGS, scaleFlow } from './scaleFlow';
import { OPTIMIZE_CONFIG_PATH, optimizeFlow } from './optimizeFlow';
import { TESTING_E2E_SETTINGS, testingFlow } from './testingFlow';
import { evalFlow } from './evalFlow';
import { CHROMIUM, E2E_DIR, REPO_ROOT, RESULTS_DIR, RUN_DIR } from './paths';
import { acquireRunLock } from './runLock';
import { StepRunner } from './steps';
import { Workbench } from './workbench';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = new Set(argv);
  const vsixArg = argv.indexOf('--vsix') >= 0 ? argv[argv.indexOf('--vsix') + 1] : undefined;
  const only =
    argv.indexOf('--only') >= 0 ? (argv[argv.indexOf('--only') + 1] ?? '').split(',').map((f) => f.trim()) : null;
  const flow = (name: string): boolean => only === null || only.includes(name);
  const runStarted = Date.now();
  assertInstalled();
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    publisher: string;
  };
  const extensionId = `${manifest.publisher}.${manifest.name}`;
  const vsix = vsixArg ? resolve(vsixArg) : join(REPO_ROOT, `${manifest.name}-${manifest.version}.vsix`);

  mkdirSync(E2E_DIR, { recursive: true });
  const releaseLock = await acquireRunLock(join(E2E_DIR, 'run.lock'));
  process.once('exit', releaseLock);
  rmSync(RESULTS_DIR, { recursive: true, force: true });
  rmSync(RUN_DIR, { recursive: true, force: true });
  const dirs = { userDataDir: join(RUN_DIR, 'user-data'), extensionsDir: join(RUN_DIR, 'extensions') };
  const workspace = join(RUN_DIR, 'workspace');
  for (const d of [RESULTS_DIR, dirs.userDataDir, dirs.extensionsDir, workspace, join(E2E_DIR, 'tmp')])
    mkdirSync(d, { recursive: true });
  // Sockets a killed code-server leaves behind in its TMPDIR.
  for (const f of readdirSync(join(E2E_DIR, 'tmp')))
    if (f.startsWith('vscode-')) rmSync(join(E2E_DIR, 'tmp', f), { force: true, recursive: true });
  writeFileSync(join(workspace, 'agent.md'), AGENT_MD);
  writeFileSync(join(workspace, 'notes.md'), NOTES_MD);
  writeUserSettings(dirs, { ...SCALE_E2E_SETTINGS, ...TESTING_E2E_SETTINGS });
  // The tuning flow: the example suite in the workspace, and the simulator as the "openai" provider of the
  // extension host (code-server passes this environment on).
  mkdirSync(dirname(join(workspace, TUNING_SUITE_PATH)), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'examples', 'travel-desk.suite.json'), join(workspace, TUNING_SUITE_PATH));
  // The scale-test flow: the example agent in the workspace.
  mkdirSync(dirname(join(workspace, SCALE_AGENT_PATH)), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'examples', 'hotel-desk.agent.json'), join(workspace, SCALE_AGENT_PATH));
  // The prompt-optimization flow: the example config (the command's picker finds it by name).
  mkdirSync(dirname(join(workspace, OPTIMIZE_CONFIG_PATH)), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'examples', 'prompt-optimization.json'), join(workspace, OPTIMIZE_CONFIG_PATH));
  const sim: Simulator = await startSimulator({ latencyMs: 20 });
  process.env.OPENAI_BASE_URL = sim.openaiBaseUrl;
  process.env.OPENAI_API_KEY = 'e2e-simulator-key';
  // Chromium and playwright put their temporary profile under TMPDIR: keep it in .e2e/.
  process.env.TMPDIR = join(E2E_DIR, 'tmp');

  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let wb: Workbench | undefined;
  const steps = new StepRunner(RESULTS_DIR, async (path) => {
    if (wb) await wb.screenshot(path);
  });
  /** The flows' way to the workbench, which exists only once the start-up steps opened it. */
  const workbench = (): Workbench => {
    if (!wb) throw new Error('the workbench is not open');
    return wb;
  };
  const timings: FlowContext['timings'] = {};
  const consoleLog: string[] = [];
  const stopAll = async (): Promise<void> => {
    await browser?.close().catch(() => {});
    browser = undefined;
    await server?.stop();
    await sim.close().catch(() => {});
    server = undefined;
  };
  const onSignal = (): void => {
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  console.log(`Prompt Tuner e2e: ${extensionId} in code-server (run folder ${RUN_DIR})`);
  try {
    await steps.step(
      'package the VSIX',
      async () => {
        if ((vsixArg || args.has('--no-package')) && existsSync(vsix)) return `reused ${vsix}`;
        const r = spawnSync('npm', ['run', '--silent', 'package'], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        if (r.status !== 0) throw new Error(`npm run package exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
        const size = /size: .*/.exec(r.stdout)?.[0] ?? '';
        return `${vsix.slice(REPO_ROOT.length + 1)}, ${size}`;
      },
      { critical: true, timeoutMs: 180_000 },
    );

    await steps.step(
      'install the VSIX into code-server',
      async () => {
        const out = installExtension(dirs, vsix);
        return out
          .split('\n')
          .filter((l) => /installed/i.test(l))
          .join(' ')
          .trim();
      },
      { critical: true, timeoutMs: 150_000 },
    );

    await steps.step(
      'open the workspace in code-server and Chromium',
      async () => {
        const started = Date.now();
        server = await startCodeServer(dirs, workspace, join(RESULTS_DIR, 'code-server.log'));
        const healthyMs = Date.now() - started;
        browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
        const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
        page.setDefaultTimeout(15_000);
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') consoleLog.push(`[${m.type()}] ${m.text()}`);
        });
        page.on('pageerror', (e) => consoleLog.push(`[pageerror] ${e.message}`));
        wb = new Workbench(page);
        await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`, {
          waitUntil: 'domcontentloaded',
          timeout: 60_000,
        });
        await wb.waitReady();
        return `healthy after ${healthyMs} ms, workbench after ${Date.now() - started} ms`;
      },
      { critical: true, timeoutMs: 120_000 },
    );

    steps.beginSection('library');
    if (flow('library'))
      await libraryFlow({
        workbench,
        steps,
        workspace,
        timings,
      });

    steps.beginSection('tuning');
    if (flow('tuning'))
      await tuningFlow({
        workbench,
        steps,
        simCalls: async () => sim.counters().calls,
      });

    steps.beginSection('scale');
    if (flow('scale')) {
      await scaleFlow({
        workbench,
        steps,
        simCalls: async () => sim.counters().calls,
        resultsDir: RESULTS_DIR,
        workspace,
        suitePath: TUNING_SUITE_PATH,
      });
    }

    steps.beginSection('optimize');
    if (flow('optimize')) {
      await optimizeFlow({
        workbench,
        steps,
        simCalls: async () => sim.counters().calls,
        resultsDir: RESULTS_DIR,
      });
    }

    steps.beginSection('eval');
    if (flow('eval')) {
      await evalFlow({
        workbench,
        steps,
        workspace,
        resultsDir: RESULTS_DIR,
        simCalls: async () => sim.counters().calls,
      });
    }

    steps.beginSection('models');
    if (flow('models'))
      await modelsFlow({
        workbench,
        steps,
        workspace,
        userDataDir: dirs.userDataDir,
        extraFiles: [join(RESULTS_DIR, 'code-server.log')],
        simCalls: async () => sim.counters().calls,
      });

    steps.beginSection('testing');
    if (flow('testing'))
      await testingFlow({
        workbench,
        steps,
        workspace,
        simCalls: async () => sim.counters().calls,
      });

    steps.beginSection('logs');
    await steps.step('the extension-host log has no errors from the extension', async () => {
      const errors = hostLogErrors(dirs.userDataDir, extensionId);
      if (errors.length > 0) {
        throw new Error(
          `${errors.length} error(s) in the extension-host log:\n${errors.map((e) => e.split('\n').slice(0, 4).join('\n')).join('\n')}`,
        );
      }
      return 'none';
    });

    const activation = readActivation(dirs.userDataDir, extensionId);
    console.log('\nActivation:');
    console.log(`  activated by: ${activation.activationEvent ?? 'unknown (no extension-host log line)'}`);
    console.log(
      activation.activateMs !== null
        ? `  activate() took ${activation.activateMs} ms (extension log: "${activation.line}")`
        : `  the "Prompt Tuner" log has no "Activated in N ms" line (read: ${activation.files.length} log files)`,
    );
    if (activation.hostToActivatedMs !== null) {
      console.log(
        `  extension host "activating" → activate() returned: ${activation.hostToActivatedMs} ms (log timestamps, code loading included)`,
      );
    }
    if (timings.runningExtensions) console.log(`  VS Code's Running Extensions view: ${timings.runningExtensions}`);
    if (timings.viewShownMs !== undefined)
      console.log(`  click on the activity-bar icon → library view rendered: ${timings.viewShownMs} ms`);
    if (args.has('--keep-open') && server) {
      console.log(`\ncode-server stays at ${server.url}/?folder=${encodeURIComponent(workspace)} (Ctrl-C stops it)`);
      await browser?.close();
      browser = undefined;
      await new Promise(() => {});
    }
  } catch (err) {
    // A harness failure outside a step: say so, and count it.
    console.log(`harness error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    steps.results.push({ name: 'harness', status: 'failed', ms: 0, error: String(err) });
  } finally {
    await stopAll();
    writeFileSync(join(RESULTS_DIR, 'browser-console.log'), consoleLog.join('\n'));
  }

  const failures = steps.results.filter((r) => r.status !== 'passed');
  console.log(`\nScreenshots and logs: ${RESULTS_DIR}`);
  console.log(`Run took ${((Date.now() - runStarted) / 1000).toFixed(1)} s`);
  if (failures.length > 0) {
    console.log('Failed:');
    for (const f of failures)
      console.log(`  ${f.status === 'failed' ? '✘' : '-'} ${f.name}: ${(f.error ?? '').split('\n')[0]}`);
  }
  console.log(`\n${steps.passed} passed, ${steps.failed} failed`);
  return steps.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
