// The config form's draft (kept in setState), why Start is not possible yet, and what it sends.
import type { EstimateParams, StartConfig, TuneMode, TuningOptions } from '../../src/protocol/tuningPanel';

/** The form as the user left it. Numbers stay as typed so a bad value can be shown and explained. */
export interface Draft {
  suiteFile: string;
  mode: TuneMode;
  metaModel: string;
  targetModels: string[];
  /** Ids added with "Add model…", offered beside the host's models. */
  customModels: string[];
  basePrompt: string;
  /** The library version loaded into the textarea; dropped when the text no longer matches it. */
  baseVersion: { id: number; name: string; version: number; text: string } | null;
  /** False until the user edits the prompt: until then it follows the active context prompt. */
  basePromptTouched: boolean;
  population: string;
  generations: string;
  selectionRatio: string;
  useValidation: boolean;
  validationSplit: string;
  /** Spending cap in USD as typed; empty means no budget. */
  budgetUsd: string;
}

export function emptyDraft(): Draft {
  return {
    suiteFile: '',
    mode: 'quick',
    metaModel: '',
    targetModels: [],
    customModels: [],
    basePrompt: '',
    baseVersion: null,
    basePromptTouched: false,
    population: '',
    generations: '',
    selectionRatio: '',
    useValidation: false,
    validationSplit: '',
    budgetUsd: '',
  };
}

/** Fills what the host decides (defaults, the active context prompt) into a draft the user has not set. */
export function applyOptions(draft: Draft, options: TuningOptions): Draft {
  const d = { ...draft };
  const l = options.limits;
  if (d.population === '') d.population = String(l.population.default);
  if (d.generations === '') d.generations = String(l.generations.default);
  if (d.selectionRatio === '') d.selectionRatio = String(l.selectionRatio.default);
  if (d.validationSplit === '') d.validationSplit = String(l.validationSplit.default || 0.2);
  if (!d.basePromptTouched) {
    const ac = options.activeContext;
    d.basePrompt = ac ? ac.text : options.defaultBasePrompt;
    d.baseVersion = ac ? { id: ac.versionId, name: ac.name, version: ac.version, text: ac.text } : null;
  }
  if (d.suiteFile && !options.suites.some((s) => s.file === d.suiteFile)) d.suiteFile = '';
  if (!d.suiteFile && options.suites.length === 1) d.suiteFile = options.suites[0]!.file;
  return d;
}

type Field = 'population' | 'generations' | 'selectionRatio' | 'validationSplit';

/** A numeric field's value, or the message saying what is wrong with it. */
export function numberField(draft: Draft, options: TuningOptions, field: Field): { value: number } | { error: string } {
  const range = options.limits[field];
  const integer = field === 'population' || field === 'generations';
  const label = {
    population: 'Population',
    generations: 'Generations',
    selectionRatio: 'Selection ratio',
    validationSplit: 'Validation split',
  }[field];
  const text = draft[field].trim();
  const n = Number(text);
  const min = field === 'validationSplit' ? 0.05 : range.min;
  const what = `${label} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${range.max}`;
  if (text === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > range.max)
    return { error: what };
  return { value: n };
}

function value(draft: Draft, options: TuningOptions, field: Field): number | null {
  const r = numberField(draft, options, field);
  return 'value' in r ? r.value : null;
}

/** The optional budget: undefined when the field is empty, else a number above 0, or what is wrong with it. */
export function budgetField(draft: Draft): { value: number | undefined } | { error: string } {
  const text = draft.budgetUsd.trim();
  if (text === '') return { value: undefined };
  const n = Number(text);
  // Same rule as the engine's schema (budgetUsd must be above 0); empty is how to say "no budget".
  if (!Number.isFinite(n) || n <= 0)
    return { error: 'Budget must be a number of USD above 0 (leave it empty for no budget)' };
  return { value: n };
}

/** "$2.50" for cents, the typed digits for finer amounts ("$0.005"). */
export function budgetText(usd: number): string {
  return Number.isInteger(Math.round(usd * 100 * 1e6) / 1e6) ? `$${usd.toFixed(2)}` : `$${usd}`;
}

/** Every reason Start Prompt Tuning is disabled, in the order the form asks for them; empty when it can start. */
export function startBlockers(draft: Draft, options: TuningOptions | null): string[] {
  if (!options) return ['Waiting for the extension…'];
  const out: string[] = [];
  if (!options.trusted) out.push('Trust this workspace to run tuning (model calls are off in untrusted workspaces)');
  if (options.suites.length === 0) out.push('Create a *.suite.json test suite in the workspace');
  else if (!draft.suiteFile) out.push('Choose a test suite');
  if (!draft.metaModel) out.push('Choose a meta model');
  if (draft.targetModels.length === 0) out.push('Choose at least one target model');
  if (!draft.basePrompt.trim()) out.push('Write a base system prompt');
  const fields: Field[] = ['population'];
  if (draft.mode === 'evolutionary') fields.push('generations', 'selectionRatio');
  if (draft.useValidation) fields.push('validationSplit');
  for (const f of fields) {
    const r = numberField(draft, options, f);
    if ('error' in r) out.push(r.error);
  }
  const budget = budgetField(draft);
  if ('error' in budget) out.push(budget.error);
  return out;
}

/** What the estimate depends on, or null while it cannot be computed (no suite, no target, a bad number). */
export function estimateParams(draft: Draft, options: TuningOptions | null): EstimateParams | null {
  if (!options || !draft.suiteFile || draft.targetModels.length === 0) return null;
  const population = value(draft, options, 'population');
  if (population === null) return null;
  const evo = draft.mode === 'evolutionary';
  const generations = evo ? value(draft, options, 'generations') : options.limits.generations.default;
  const selectionRatio = evo ? value(draft, options, 'selectionRatio') : options.limits.selectionRatio.default;
  if (generations === null || selectionRatio === null) return null;
  const split = draft.useValidation ? value(draft, options, 'validationSplit') : undefined;
  if (split === null) return null;
  return {
    suiteFile: draft.suiteFile,
    mode: draft.mode,
    metaModel: draft.metaModel,
    targetModels: [...draft.targetModels],
    population,
    generations,
    selectionRatio,
    ...(split !== undefined ? { validationSplit: split } : {}),
  };
}

/** The start message's config; call only when startBlockers is empty. */
export function startConfig(draft: Draft, options: TuningOptions): StartConfig {
  const p = estimateParams(draft, options);
  if (!p) throw new Error('startConfig called on an incomplete form');
  const budget = budgetField(draft);
  if ('error' in budget) throw new Error('startConfig called with an invalid budget');
  const baseVersionId = draft.baseVersion && draft.baseVersion.text === draft.basePrompt ? draft.baseVersion.id : null;
  return {
    suiteFile: p.suiteFile,
    mode: p.mode,
    metaModel: draft.metaModel,
    targetModels: p.targetModels,
    basePrompt: draft.basePrompt,
    baseVersionId,
    population: p.population,
    generations: p.generations,
    selectionRatio: p.selectionRatio,
    ...(p.validationSplit !== undefined ? { validationSplit: p.validationSplit } : {}),
    ...(budget.value !== undefined ? { budgetUsd: budget.value } : {}),
  };
}
