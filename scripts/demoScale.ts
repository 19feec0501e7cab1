// `npm run demo:scale`: a scale test without a key. Starts the model simulator (a test instrument, not a
// real model) as agent, simulated user, judge and summarizer, and runs `prompt-tuner scale --verify` on
// examples/hotel-desk.agent.json: five conversations, graded, summarised into a revised prompt, verified.
import * as path from 'node:path';
import { ROOT, runSimulatorDemo } from './demoRunner';

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

runSimulatorDemo({
  banner: BANNER,
  simulator: { latencyMs: 40, jitterMs: 20 },
  workspacePrefix: 'prompt-tuner-scale-demo-',
  args: (ws) => [
    'scale',
    '--agent',
    path.join(ROOT, AGENT),
    '--model',
    'openai/sim-1',
    '--runs',
    '5',
    '--verify',
    '--workspace',
    ws,
  ],
  tally: (c) =>
    `(simulator — not a real model: ${c.calls} calls: agent ${c.byMode.target}, user ${c.byMode.user}, judge ${c.byMode.judge}, summarizer ${c.byMode.summarizer})`,
  after: AFTER,
});
