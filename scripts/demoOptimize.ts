// `npm run demo:optimize`: Tau's prompt-optimization mode without a key, plus the optimizer Tau lacks. Starts the
// model simulator (a test instrument, not a real model) as the answering agent and as the critique/edit models,
// and runs Tau's command line unchanged with `prompt-tuner` in front on examples/prompt-optimization.json.
import * as path from 'node:path';
import { ROOT, runSimulatorDemo } from './demoRunner';

const CONFIG = 'examples/prompt-optimization.json';

const BANNER = `Prompt Tuner prompt-optimization demo
=====================================
The model simulator (test/sim) answers the questions of ${CONFIG} and plays the critique and edit models.
It is a SIMULATOR — NOT A REAL MODEL: its answers follow documented rules (test/sim/README.md), so the
rewards below show the optimizer at work, not the quality of any real model.
`;

const AFTER = (ws: string) => {
  const store = path.join(ws, '.prompt-tuner', 'training', 'store.sqlite');
  return `
What happened: every optimize and validate input ran as a rollout in a durable store (Tau's tables), scored by
exact match; APO critiqued the failing answers, edited the prompt into candidates (each a new resources version),
scored them on the validate set and kept the best, which is now the latest resources version and in the library.
Audit the store as a Tau user would, or look at it:
  sqlite3 ${store} "select status, count(*) from rollouts group by status"
  node dist/cli.js optimize status --store ${store}        (after npm run build)
  node dist/cli.js optimize dashboard --store ${store}

The same on a real provider (this one costs money):
  export OPENAI_API_KEY=sk-...
  npm run build
  node dist/cli.js --model openai/gpt-4o-mini --prompt-optimization-config ${CONFIG}
`;
};

runSimulatorDemo({
  banner: BANNER,
  simulator: { latencyMs: 30, jitterMs: 10 },
  workspacePrefix: 'prompt-tuner-optimize-demo-',
  args: (ws) => [
    '--model',
    'openai/sim-1',
    '--prompt-optimization-config',
    path.join(ROOT, CONFIG),
    '--prompt-optimization-store-sqlite',
    path.join(ws, '.prompt-tuner', 'training', 'store.sqlite'),
    '--workspace',
    ws,
  ],
  tally: (c) => {
    const modes = c.byMode as Record<string, number>;
    return `(simulator — not a real model: ${c.calls} calls: answers ${modes.answer ?? 0}, critiques ${modes.critique ?? 0}, edits ${modes.edit ?? 0})`;
  },
  after: AFTER,
});
