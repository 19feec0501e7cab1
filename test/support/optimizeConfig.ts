// A checked prompt-optimization config for the tests that build a store or a run by hand: Tau's defaults, one
// exact-match item, no validation set, no APO, no retry. A test overrides what it is about. Also the run rows and
// the simulator gateway those tests set up.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createCliGateway, type CliGatewayOptions } from '../../src/core/models/cliGateway';
import type { Gateway } from '../../src/core/models/gateway';
import { TAU_DEFAULTS, type OptimizeConfig, type ResourcesRow, type RolloutStore } from '../../src/core/optimize/types';
import type { Simulator } from '../sim/server';

export const TEST_SYSTEM_PROMPT = 'You are a concise assistant.';

export function optimizeConfig(over: Partial<OptimizeConfig> = {}): OptimizeConfig {
  return {
    optimize: [{ prompt: 'What is 2 + 2?', expected: '4' }],
    validate: [],
    resources: { system_prompt: TEST_SYSTEM_PROMPT },
    ...TAU_DEFAULTS,
    max_attempts: 1,
    rollout_timeout_secs: null,
    reward: { type: 'exact_match' },
    apo: null,
    ...over,
  };
}

/** A run row and its initial resources version (the TEST_SYSTEM_PROMPT), as the trainer makes them at start. */
export async function seedRun(
  store: RolloutStore,
  runId: string,
  config: OptimizeConfig,
): Promise<{ runId: string; resources: ResourcesRow }> {
  await store.createRun({
    run_id: runId,
    model_ref: 'openai/sim-1',
    config_path: 'c.json',
    config,
    store_path: store.location,
  });
  const resources = await store.addResources(
    { system_prompt: TEST_SYSTEM_PROMPT },
    { run_id: runId, label: 'initial', parent_version: null, latest: true },
  );
  return { runId, resources };
}

/** The CLI's gateway on the simulator (a fresh workspace folder, no retries unless asked). */
export function simGateway(sim: Simulator, prefix: string, over: Partial<CliGatewayOptions> = {}): Gateway {
  return createCliGateway({
    env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'sim-key' },
    workspace: mkdtempSync(path.join(tmpdir(), prefix)),
    retry: { maxAttempts: 1 },
    ...over,
  });
}
