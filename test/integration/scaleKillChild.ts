// A scale run in a process of its own, for the kill -9 test: prints every event as a JSON line.
// Usage: tsx scaleKillChild.ts WORKSPACE OPENAI_BASE_URL RUNS
import * as path from 'node:path';
import { loadAgent } from '../../src/core/agents/loadAgent';
import { createCliGateway } from '../../src/core/models/cliGateway';
import { createPriceBook } from '../../src/core/models/prices';
import { parseScaleConfig } from '../../src/core/scale/config';
import { startScaleRun } from '../../src/core/scale/engine';
import { openWorkspaceStore } from '../../src/core/workspaceStore';

const [ws, baseUrl, runs] = process.argv.slice(2);
const AGENT_FILE = path.join(__dirname, '..', '..', 'examples', 'hotel-desk.agent.json');

void (async () => {
  const store = await openWorkspaceStore({ dir: path.join(ws!, '.prompt-tuner') });
  const gateway = createCliGateway({
    env: { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: 'sim-key' },
    workspace: ws!,
    store,
  });
  const agent = await loadAgent(AGENT_FILE);
  const prices = createPriceBook();
  await prices.ready();
  const config = parseScaleConfig({
    agentFile: AGENT_FILE,
    agentModel: 'openai/sim-1',
    systemPrompt: agent.systemPrompt,
    runs: Number(runs),
    concurrency: 1,
  });
  const job = startScaleRun(config, { agent, gateway, store, prices, staggerMs: [0, 0], flushIntervalMs: 10 });
  job.onEvent((e) => process.stdout.write(`${JSON.stringify(e)}\n`));
  await job.done;
  await store.close();
})();
