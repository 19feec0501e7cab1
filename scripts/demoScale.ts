// `npm run demo:scale`: a scale test without a key. Starts the model simulator (a test instrument, not a
// real model) as agent, simulated user, judge and summarizer, and runs `prompt-tuner scale --verify` on
// examples/hotel-desk.agent.json: five conversations, graded, summarised into a revised prompt, verified.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../src/cli/main';
import { startSimulator } from '../test/sim/server';

const ROOT = path.join(__dirname, '..');
const AGENT = 'examples/hotel-desk.agent.json';

const BANNER = `Prompt Tuner scale-test demo
============================
The model simulator (test/sim) plays the agent, the simulated user, the judge and the summarizer here.
It is a SIMULATOR — NOT A REAL MODEL: it follows documented rules (test/sim/README.md), so the outcomes
below show the scale-testing machinery at work, not the quality of any real model.
`;

const AFTER = (ws: string) => `
What happened: five simulated guests talked to the agent of ${AGENT}; every transcript was graded by
its assertions; the summarizer named the failure modes (citing conversations and turns) and wrote a revised
prompt; the revised prompt was run again on the same scenarios and seeds (win rate before → after above).
The runs are stored in ${path.join(ws, '.prompt-tuner')}:
  node dist/cli.js scale list --workspace ${ws}        (after npm run build)

The same on a real provider (this one costs money; the estimate is printed first):
  export OPENAI_API_KEY=sk-...
  npm run build
  node dist/cli.js scale --agent ${AGENT} --model openai/gpt-4o-mini --runs 5 --max-budget-usd 0.50 --verify
`;

async function main(): Promise<number> {
  process.stdout.write(BANNER);
  const sim = await startSimulator({ latencyMs: 40, jitterMs: 20 });
  const ws = mkdtempSync(path.join(tmpdir(), 'prompt-tuner-scale-demo-'));
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('Cancelled by Ctrl-C'));
  process.on('SIGINT', onSigint);
  process.stdout.write(`Simulator (not a real model) at ${sim.url}; workspace ${ws}\n\n`);
  try {
    const code = await runCli(['scale', '--agent', path.join(ROOT, AGENT), '--model', 'openai/sim-1', '--runs', '5', '--verify', '--workspace', ws], {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
      cwd: ROOT,
      // Only the simulator: never a real key from the environment.
      env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'simulator-key' },
      signal: controller.signal,
    });
    const c = sim.counters();
    process.stdout.write(`\n(simulator — not a real model: ${c.calls} calls: agent ${c.byMode.target}, user ${c.byMode.user}, judge ${c.byMode.judge}, summarizer ${c.byMode.summarizer})\n`);
    if (code === 0) process.stdout.write(AFTER(ws));
    return code;
  } finally {
    process.off('SIGINT', onSigint);
    await sim.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`demo: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
