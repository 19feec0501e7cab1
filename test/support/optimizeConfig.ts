// A checked prompt-optimization config for the tests that build a store or a run by hand: Tau's defaults, one
// exact-match item, no validation set, no APO, no retry. A test overrides what it is about.
import { TAU_DEFAULTS, type OptimizeConfig } from '../../src/core/optimize/types';

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
