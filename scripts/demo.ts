// `npm run demo`: the whole tuning journey without a key. Starts the model simulator (a test instrument,
// not a real model) and runs an Evolutionary tune on examples/travel-desk.suite.json through the real
// `prompt-tuner tune` code path, printing the timeline as it goes and the best prompt at the end.
import * as path from 'node:path';
import { ROOT, runSimulatorDemo } from './demoRunner';

const SUITE = 'examples/travel-desk.suite.json';

const BANNER = `Prompt Tuner demo
=================
The model simulator (test/sim) plays both the meta model and the target model here.
It is a SIMULATOR — NOT A REAL MODEL: it follows documented rules (test/sim/README.md), so the scores
below show the tuning machinery at work, not the quality of any real model.
`;

const REAL = (ws: string) => `
What happened: the meta model wrote variants of the base prompt, each was scored on every case of
${SUITE}; the best survived, reflective mutations fixed their failing cases and crossovers combined them.
The run and the tuned prompt are stored in ${path.join(ws, '.prompt-tuner')}:
  node dist/cli.js library list --workspace ${ws}        (after npm run build)

The same tune on a real provider (simulator — not a real model above; this one costs money):
  export OPENAI_API_KEY=sk-...
  npm run build
  node dist/cli.js tune --suite ${SUITE} --mode evolutionary \\
      --meta-model openai/gpt-4o --model openai/gpt-4o-mini --population 6 --generations 3 --estimate
  # check the number of calls, then run it without --estimate
Anthropic: ANTHROPIC_API_KEY and --model anthropic/claude-haiku-4-5; a local Ollama: an endpoint in
.prompt-tuner/config.json (see the README).
`;

runSimulatorDemo({
  banner: BANNER,
  // A little latency so the timeline visibly streams; still well under a minute.
  simulator: { latencyMs: 15, jitterMs: 10 },
  workspacePrefix: 'prompt-tuner-demo-',
  args: (ws) => [
    'tune',
    '--suite',
    path.join(ROOT, SUITE),
    '--mode',
    'evolutionary',
    '--meta-model',
    'openai/sim-1',
    '--model',
    'openai/sim-1',
    '--base-prompt',
    'You are a helpful travel assistant.',
    '--population',
    '6',
    '--generations',
    '3',
    '--selection-ratio',
    '0.5',
    '--concurrency',
    '8',
    '--workspace',
    ws,
  ],
  tally: (c, elapsedMs) =>
    `(simulator — not a real model: ${c.byMode.meta} meta calls, ${c.byMode.target} target calls, ${(elapsedMs / 1000).toFixed(1)}s)`,
  after: REAL,
});
