// What `prompt-tuner scale` checks before any call: where the system prompt comes from, that every model's
// provider is known and has its key (keyPreflight.ts), and the mapping from config fields to the flags that set them.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Agent } from '../../../core/agents/agentSchema';
import { LibraryRepository, parseVersionRef } from '../../../core/library/libraryRepository';
import type { Store } from '../../../core/store/store';
import { formatScaleEstimate } from '../../../core/scale/estimate';
import type { PromptSource, ScaleConfig, ScaleEstimate } from '../../../core/scale/types';
import { EXIT, UsageError, type CliIo } from '../../cliTypes';

/** Config fields as the flags that set them, for messages that name the flag. */
export const FLAG_OF: Record<string, string> = {
  agentFile: '--agent',
  agentModel: '--model',
  userModel: '--user-model',
  judgeModel: '--judge-model',
  summarizerModel: '--summarizer-model',
  systemPrompt: '--system-prompt',
  goal: '--goal',
  userMessage: '--message',
  runs: '--runs',
  concurrency: '--concurrency',
  maxBudgetUsd: '--max-budget-usd',
  maxConversationUsd: '--max-conversation-usd',
  seed: '--seed',
  temperature: '--temperature',
  evaluator: '--evaluator',
  evaluatorUrl: '--evaluator-url',
  idempotencyKey: '--idempotency-key',
  runId: '--resume',
};

/** "runs: at most 10 (the cap), got 11" → "--runs: at most 10 (the cap), got 11". */
export function messageWithFlag(message: string): string {
  return message.replace(/^([A-Za-z]+)((?:\.[\w[\]]+)*):/, (whole, field: string) =>
    FLAG_OF[field] ? `${FLAG_OF[field]}:` : whole,
  );
}

/** The prompt as the flags give it, before the agent and the library are consulted. */
export type PromptChoice =
  { text: string; source: PromptSource } | { libraryRef: string; flag: '--library' } | { fromAgent: true };

export async function promptChoice(
  values: { 'system-prompt-file'?: string; 'system-prompt'?: string; library?: string },
  cwd: string,
): Promise<PromptChoice> {
  const given = (['system-prompt-file', 'system-prompt', 'library'] as const).filter((k) => values[k] !== undefined);
  if (given.length > 1) throw new UsageError(`give only one of ${given.map((g) => `--${g}`).join(', ')}`);
  if (values['system-prompt'] !== undefined) {
    if (values['system-prompt'].trim() === '') throw new UsageError('--system-prompt: must not be empty');
    return { text: values['system-prompt'], source: { kind: 'text' } };
  }
  const file = values['system-prompt-file'];
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(path.resolve(cwd, file), 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(
        `--system-prompt-file: cannot read ${file}: ${code === 'ENOENT' ? 'file not found' : (e as Error).message}`,
      );
    }
    if (text.trim() === '') throw new UsageError(`--system-prompt-file: ${file} is empty`);
    return { text, source: { kind: 'file', path: file } };
  }
  if (values.library !== undefined) return { libraryRef: values.library, flag: '--library' };
  return { fromAgent: true };
}

/** The system prompt text and its source; a library reference that does not resolve is bad input naming it. */
export function resolvePrompt(
  choice: PromptChoice,
  agent: Agent,
  store: Store | undefined,
): { text: string; source: PromptSource } {
  if ('text' in choice) return choice;
  if ('fromAgent' in choice && agent.systemPrompt !== undefined)
    return { text: agent.systemPrompt, source: { kind: 'agent' } };
  const ref = 'libraryRef' in choice ? choice.libraryRef : agent.promptRef;
  const where = 'libraryRef' in choice ? '--library' : `${agent.file}: promptRef`;
  if (ref === undefined)
    throw new UsageError(
      `${agent.file}: the agent has neither systemPrompt nor promptRef; give --system-prompt, --system-prompt-file or --library`,
    );
  let parsed: ReturnType<typeof parseVersionRef>;
  try {
    parsed = parseVersionRef(ref);
  } catch (e) {
    throw new UsageError(`${where}: ${(e as Error).message}`);
  }
  const version = store ? new LibraryRepository(store).resolve(parsed) : undefined;
  if (!version)
    throw new UsageError(
      `${where}: no prompt version "${ref}" in the library${store ? ` at ${store.dir}` : ' (this workspace has no .prompt-tuner store yet)'}`,
    );
  // An agent's own reference is still the agent's prompt; the source records the version either way.
  return { text: version.text, source: { kind: 'library', versionId: version.id, ref } };
}

// The key check is shared with tune, eval and optimize.
export { missingKeys } from '../../keyPreflight';

function estimateJson(e: ScaleEstimate) {
  return {
    calls: e.calls,
    usd: e.usd,
    seconds: e.seconds,
    byRole: e.byRole,
    unknownPrices: e.unknownPrices,
    overBudget: e.overBudget,
  };
}

/** Budget preflight; a code to exit with, or undefined to go on. Nothing has been called or written yet. */
export function budgetPreflight(
  config: ScaleConfig,
  estimate: ScaleEstimate,
  values: { estimate?: boolean; json?: boolean; events?: boolean; yes?: boolean },
  io: CliIo,
): number | undefined {
  const text = formatScaleEstimate(estimate);
  const machine = Boolean(values.json || values.events);
  if (values.estimate) {
    io.out(values.json ? `${JSON.stringify(estimateJson(estimate))}\n` : `${text}\n`);
    return EXIT.ok;
  }
  (machine ? io.err : io.out)(`Estimate: ${text}\n`);
  const usdCaps = [
    config.maxBudgetUsd !== undefined ? '--max-budget-usd' : '',
    config.maxConversationUsd !== undefined ? '--max-conversation-usd' : '',
  ].filter(Boolean);
  if (usdCaps.length && estimate.unknownPrices.length) {
    io.err(
      `prompt-tuner scale: ${usdCaps.join(' and ')} cannot be enforced: the price of ${estimate.unknownPrices.join(', ')} is unknown. Add it under "prices" in .prompt-tuner/config.json (USD per million tokens), or drop the cap. No call was made.\n`,
    );
    return EXIT.badInput;
  }
  if (estimate.overBudget && !values.yes) {
    if (machine) io.err(`Estimate: ${text}\n`);
    io.err(
      `prompt-tuner scale: the estimate ${estimate.usd === null ? '(unknown)' : `$${estimate.usd.toFixed(4)}`} is over --max-budget-usd ${config.maxBudgetUsd}; rerun with --yes to start anyway (the cap still stops calls before it is exceeded). No call was made.\n`,
    );
    return EXIT.badInput;
  }
  return undefined;
}
