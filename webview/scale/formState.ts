// The form's draft (kept in setState), why Start is not possible yet, and the form it sends.
import type {
  AgentOption,
  LibraryVersionItem,
  PromptChoice,
  ScaleForm,
  ScaleOptions,
} from '../../src/protocol/scalePanel';

/** The form as the user left it. Numbers stay as typed so a bad value can be shown and explained. */
export interface Draft {
  /** Absolute path of the chosen agent file; empty until chosen. */
  agentFile: string;
  agentModel: string;
  /** Empty: same as the agent model. */
  userModel: string;
  judgeModel: string;
  summarizerModel: string;
  /** Ids added with "Add model…", offered beside the host's models. */
  customModels: string[];
  /** `agent`, `context` or `library:<versionId>`. */
  prompt: string;
  goal: string;
  userMessage: string;
  runs: string;
  concurrency: string;
  /** Spending cap in USD as typed; empty means no cap. */
  budgetUsd: string;
}

export function emptyDraft(): Draft {
  return {
    agentFile: '',
    agentModel: '',
    userModel: '',
    judgeModel: '',
    summarizerModel: '',
    customModels: [],
    prompt: 'agent',
    goal: '',
    userMessage: '',
    runs: '',
    concurrency: '',
    budgetUsd: '',
  };
}

/** Fills what the host decides (defaults, a preselected agent) into a draft the user has not set. */
export function applyOptions(draft: Draft, options: ScaleOptions): Draft {
  const d = { ...draft };
  if (d.runs === '') d.runs = String(options.limits.runs.default);
  if (d.concurrency === '') d.concurrency = String(options.limits.concurrency.default);
  if (options.preselectAgentFile && options.agents.some((a) => a.file === options.preselectAgentFile))
    d.agentFile = options.preselectAgentFile;
  if (d.agentFile && !options.agents.some((a) => a.file === d.agentFile)) d.agentFile = '';
  if (!d.agentFile && options.agents.length === 1) d.agentFile = options.agents[0]!.file;
  if (d.prompt === 'context' && !options.activeContext) d.prompt = 'agent';
  return d;
}

export function selectedAgent(draft: Draft, options: ScaleOptions | null): AgentOption | undefined {
  return options?.agents.find((a) => a.file === draft.agentFile);
}

/** The prompt choice as the host takes it; null for a library choice that is not a version id. */
export function promptChoice(draft: Draft): PromptChoice | null {
  if (draft.prompt === 'agent') return { kind: 'agent' };
  if (draft.prompt === 'context') return { kind: 'context' };
  const m = /^library:(\d+)$/.exec(draft.prompt);
  return m ? { kind: 'library', versionId: Number(m[1]) } : null;
}

/** The text the chosen system prompt has, as the form shows it; null when unknown. */
export function promptText(draft: Draft, options: ScaleOptions | null, versions: LibraryVersionItem[]): string | null {
  const choice = promptChoice(draft);
  if (!choice || !options) return null;
  if (choice.kind === 'agent') return selectedAgent(draft, options)?.systemPrompt ?? null;
  if (choice.kind === 'context') return options.activeContext?.text ?? null;
  return versions.find((v) => v.id === choice.versionId)?.text ?? null;
}

type IntField = 'runs' | 'concurrency';
const LABELS: Record<IntField, string> = { runs: 'Runs', concurrency: 'Concurrency' };

/** A whole-number field's value, or what is wrong with it (naming the cap). */
export function intField(draft: Draft, options: ScaleOptions, field: IntField): { value: number } | { error: string } {
  const range = options.limits[field];
  const text = draft[field].trim();
  const n = Number(text);
  if (text === '' || !Number.isInteger(n) || n < range.min || n > range.max) {
    return { error: `${LABELS[field]} must be a whole number from ${range.min} to ${range.max}` };
  }
  return { value: n };
}

/** The optional budget: undefined when empty, else a number above 0, or what is wrong with it. */
export function budgetField(draft: Draft): { value: number | undefined } | { error: string } {
  const text = draft.budgetUsd.trim();
  if (text === '') return { value: undefined };
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    return { error: 'Budget must be a number of USD above 0 (leave it empty for no cap)' };
  return { value: n };
}

/** Every reason Start is disabled, in the order the form asks for them; empty when it can start. */
export function startBlockers(draft: Draft, options: ScaleOptions | null, versions: LibraryVersionItem[]): string[] {
  if (!options) return ['Waiting for the extension…'];
  const out: string[] = [];
  if (!options.trusted)
    out.push('Trust this workspace to run scale tests (model calls are off in untrusted workspaces)');
  const agent = selectedAgent(draft, options);
  if (options.agents.length === 0) out.push('Create a *.agent.json agent file in the workspace');
  else if (!agent) out.push('Choose an agent');
  else if (agent.error) out.push(`Fix the agent file: ${agent.error}`);
  if (!draft.agentModel) out.push('Choose an agent model');
  const choice = promptChoice(draft);
  if (!choice) out.push('Choose a system prompt');
  else if (choice.kind === 'context' && !options.activeContext)
    out.push('No prompt is applied to context: choose another system prompt');
  else if (choice.kind === 'library' && !versions.some((v) => v.id === choice.versionId))
    out.push('Choose a library version for the system prompt');
  else if (choice.kind === 'agent' && agent && !agent.error && agent.systemPrompt === null)
    out.push('The agent file has no system prompt: choose the active context or a library version');
  if (agent && !agent.error && agent.scenarioCount === 0 && !draft.goal.trim())
    out.push('Write the goal of the simulated user (this agent has no scenarios)');
  for (const f of ['runs', 'concurrency'] as const) {
    const r = intField(draft, options, f);
    if ('error' in r) out.push(r.error);
  }
  const budget = budgetField(draft);
  if ('error' in budget) out.push(budget.error);
  return out;
}

/** The form the host estimates and starts; null while it cannot be sent (the estimate waits). */
export function scaleForm(draft: Draft, options: ScaleOptions | null): ScaleForm | null {
  if (!options) return null;
  const agent = selectedAgent(draft, options);
  const choice = promptChoice(draft);
  if (!agent || agent.error || !draft.agentModel || !choice) return null;
  const runs = intField(draft, options, 'runs');
  const concurrency = intField(draft, options, 'concurrency');
  const budget = budgetField(draft);
  if ('error' in runs || 'error' in concurrency || 'error' in budget) return null;
  return {
    agentFile: agent.file,
    agentModel: draft.agentModel,
    userModel: draft.userModel,
    judgeModel: draft.judgeModel,
    summarizerModel: draft.summarizerModel,
    prompt: choice,
    goal: draft.goal.trim(),
    userMessage: draft.userMessage.trim(),
    runs: runs.value,
    concurrency: concurrency.value,
    ...(budget.value !== undefined ? { maxBudgetUsd: budget.value } : {}),
  };
}
