// Form pieces both panels draw the same way: a dropdown (of models, files, prompts), "Add model…", a number field with its range
// and error, the banner of the last run, and the Start row with the reasons it is disabled.
import { html, nothing, type TemplateResult } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import { live } from 'lit/directives/live.js';
import type { ModelOption } from '../../src/protocol/panelMessages';

export type ValueTarget = EventTarget & { value: string };

/** Model ids look like `provider/model`. */
export function modelIdError(text: string): string | null {
  const t = text.trim();
  if (!t) return 'Type a model id such as openai/gpt-4o-mini';
  if (!/^[^/\s]+\/\S+$/.test(t)) return `"${t}" is not a model id: use provider/model, e.g. openai/gpt-4o-mini`;
  return null;
}

/** The host's models, then the ones the user added that the host does not know. */
export function allModels(known: ModelOption[], customIds: string[]): ModelOption[] {
  const custom = customIds
    .filter((id) => !known.some((m) => m.id === id))
    .map((id) => ({ id, label: labelOf(id), source: 'added by you' }));
  return [...known, ...custom];
}

function labelOf(id: string): string {
  const slash = id.indexOf('/');
  return slash > 0 ? `${id.slice(slash + 1)} (${id.slice(0, slash)})` : id;
}

/** One choice of a dropdown. */
export interface SelectItem {
  value: string;
  /** What the option shows. */
  text: string;
  /** Shown beside it, dimmed; none when undefined. */
  description?: string;
}

/**
 * A dropdown `id` (also its data-testid). `label` is its accessible name, set both as aria-label and as the
 * element's own label (which axe reads); `emptyText` adds a first, empty choice.
 */
export function renderSelect(o: {
  id: string;
  label: string;
  value: string;
  emptyText?: string;
  items: SelectItem[];
  onChange(value: string): void;
}): TemplateResult {
  return html`<vscode-single-select
    id=${o.id}
    data-testid=${o.id}
    aria-label=${o.label}
    .label=${o.label}
    .value=${o.value}
    @change=${(e: Event) => o.onChange((e.target as ValueTarget).value)}
  >
    ${o.emptyText !== undefined ? html`<vscode-option value="" ?selected=${o.value === ''}>${o.emptyText}</vscode-option>` : nothing}
    ${o.items.map((i) => html`<vscode-option value=${i.value} description=${ifDefined(i.description)} ?selected=${i.value === o.value}>${i.text}</vscode-option>`)}
  </vscode-single-select>`;
}

/** Models as dropdown choices, with where the host learnt of each. */
export function modelItems(models: ModelOption[]): SelectItem[] {
  return models.map((m) => ({ value: m.id, text: m.label, description: m.source }));
}

/** What "Add model…" keeps on the panel between renders. */
export interface AddModelState {
  addModelText: string;
  addModelError: string | null;
  requestUpdate(): void;
}

/** "Add model…": a model id the host did not offer; `add` gets it once it is well formed. */
export function renderAddModel(app: AddModelState, add: (id: string) => void): TemplateResult {
  const addModel = (): void => {
    const id = app.addModelText.trim();
    const error = modelIdError(id);
    app.addModelError = error;
    if (error) return app.requestUpdate();
    app.addModelText = '';
    add(id);
  };
  return html`<div class="row add-model">
      <vscode-textfield
        data-testid="add-model-input"
        placeholder="Add model… (provider/model)"
        aria-label="Add model"
        .value=${live(app.addModelText)}
        ?invalid=${app.addModelError !== null}
        @input=${(e: Event) => {
          app.addModelText = (e.target as ValueTarget).value;
          app.addModelError = null;
        }}
        @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && addModel()}
      ></vscode-textfield>
      <vscode-button secondary icon="add" data-testid="add-model" @click=${addModel}>Add model</vscode-button>
    </div>
    ${app.addModelError ? html`<p class="error-text" data-testid="add-model-error">${app.addModelError}</p>` : nothing}`;
}

/** A number field `param-<field>` with its range (or another hint) beside the label and its error below. */
export function numberInput(o: {
  field: string;
  label: string;
  /** Shown in brackets after the label, e.g. "2–20". */
  hint: string;
  min: number | string;
  max?: number;
  step: number | string;
  placeholder?: string;
  /** The text as typed. */
  value: string;
  /** What is wrong with the value; null when it is fine. */
  error: string | null;
  onInput(value: string): void;
}): TemplateResult {
  return html`<div>
    <label class="field-label" for=${`param-${o.field}`}>${o.label} <span class="hint">(${o.hint})</span></label>
    <vscode-textfield
      id=${`param-${o.field}`}
      data-testid=${`param-${o.field}`}
      type="number"
      min=${o.min}
      max=${ifDefined(o.max)}
      step=${o.step}
      placeholder=${ifDefined(o.placeholder)}
      .label=${o.label}
      .value=${live(o.value)}
      ?invalid=${o.error !== null}
      @input=${(e: Event) => o.onInput((e.target as ValueTarget).value)}
    ></vscode-textfield>
    ${o.error !== null ? html`<div class="error-text hint" data-testid=${`param-${o.field}-error`}>${o.error}</div>` : nothing}
  </div>`;
}

/** The banner over the form while a run exists: what it is doing, and a way back to it. */
export function renderRunBanner(text: string, showRun: () => void): TemplateResult {
  return html`<div class="banner row" data-testid="run-banner">
    <span>${text}</span>
    <button class="linkish" data-testid="show-run" @click=${showRun}>Show run</button>
  </div>`;
}

/** Start, with every reason it is disabled listed beside it, and why the host refused the last start. */
export function renderStartRow(o: {
  label: string;
  /** A start is on its way to the host. */
  starting: boolean;
  disabled: boolean;
  reasons: string[];
  /** The line above the reasons, e.g. "Start … is disabled until you:". */
  reasonsIntro: string;
  error: string | null;
  onStart(): void;
}): TemplateResult {
  return html`<div class="start-row">
    <vscode-button data-testid="start" icon="play" ?disabled=${o.disabled} @click=${o.onStart}
      >${o.starting ? 'Starting…' : o.label}</vscode-button
    >
    ${
      o.reasons.length > 0
        ? html`<div data-testid="blockers" role="status">
            <span class="hint">${o.reasonsIntro}</span>
            <ul class="blockers">
              ${o.reasons.map((b) => html`<li>${b}</li>`)}
            </ul>
          </div>`
        : nothing
    }
    ${o.error ? html`<p class="error-text" data-testid="start-error" role="alert">${o.error}</p>` : nothing}
  </div>`;
}
