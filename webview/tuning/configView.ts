// The configuration view: suite, mode cards, meta and target models, base prompt, parameters, estimate, Start.
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { TuneMode } from '../../src/protocol/tuningPanel';
import { dateText, percent } from '../shared/format';
import {
  allModels,
  modelItems,
  numberInput,
  renderAddModel,
  renderRunBanner,
  renderSelect,
  renderStartRow,
  type ValueTarget,
} from '../shared/formParts';
import { estimateText } from './format';
import { budgetField, budgetText, numberField, startBlockers, startConfig } from './formState';
import type { TuningApp } from './tuningApp';

const MODES: { mode: TuneMode; title: string; text: string; icon: string }[] = [
  { mode: 'quick', title: 'Quick', text: 'Generate N prompts, evaluate once', icon: 'zap' },
  {
    mode: 'evolutionary',
    title: 'Evolutionary',
    text: 'Multiple generations with selection, best survive and mutate',
    icon: 'git-merge',
  },
];

type CheckTarget = EventTarget & { checked: boolean; value: string };

export function renderConfigView(app: TuningApp): TemplateResult {
  const options = app.options!;
  const d = app.draft;
  const blockers = startBlockers(d, options);
  return html`
    <h1>Prompt Tuning</h1>
    <p class="subtitle">
      A meta model writes variants of your system prompt; each is scored on a test suite across the target models.
    </p>
    ${
      app.snapshot
        ? renderRunBanner(
            app.running
              ? 'A tuning run is in progress.'
              : `Last run: ${app.snapshot.status}, best ${percent(app.snapshot.best?.score)}.`,
            () => app.showView('run'),
          )
        : nothing
    }

    <div class="field">
      <label for="suite">Test suite</label>
      ${
        options.suites.length === 0
          ? html`<p class="hint" data-testid="no-suites">
              No <code>*.suite.json</code> file in this workspace. Create one (see examples/), then refresh.
            </p>`
          : renderSelect({
              id: 'suite',
              label: 'Test suite',
              value: d.suiteFile,
              emptyText: 'Choose a suite…',
              items: options.suites.map((s) => ({ value: s.file, text: s.relativePath })),
              onChange: (suiteFile) => app.updateDraft({ suiteFile }),
            })
      }
      <div class="row">
        <button class="linkish" data-testid="refresh" @click=${() => app.post({ type: 'options/refresh' })}>
          Refresh suites and models
        </button>
      </div>
    </div>

    <div class="field">
      <span class="field-label" id="mode-label">Tuning mode</span>
      <div
        class="mode-cards"
        role="radiogroup"
        aria-labelledby="mode-label"
        @keydown=${(e: KeyboardEvent) => onModeKey(app, e)}
      >
        ${MODES.map(
          (m) =>
            html`<div
              class="mode-card"
              role="radio"
              data-testid=${`mode-${m.mode}`}
              aria-checked=${d.mode === m.mode ? 'true' : 'false'}
              tabindex=${d.mode === m.mode ? 0 : -1}
              @click=${() => app.updateDraft({ mode: m.mode })}
            >
              <div class="title"><span class="codicon codicon-${m.icon}" aria-hidden="true"></span>${m.title}</div>
              <p>${m.text}</p>
            </div>`,
        )}
      </div>
    </div>

    ${renderModels(app)} ${renderBasePrompt(app)} ${renderParams(app)} ${renderEstimate(app)}
    ${renderStartRow({
      label: 'Start Prompt Tuning',
      starting: app.startPending,
      disabled: blockers.length > 0 || app.startPending,
      reasons: blockers,
      reasonsIntro: 'Start Prompt Tuning is disabled until you:',
      error: app.startError,
      onStart: () => {
        if (startBlockers(app.draft, app.options).length > 0 || app.startPending) return;
        app.startPending = true;
        app.startError = null;
        app.post({ type: 'tuning/start', config: startConfig(app.draft, options) });
        app.requestUpdate();
      },
    })}
  `;
}

function onModeKey(app: TuningApp, e: KeyboardEvent): void {
  const i = MODES.findIndex((m) => m.mode === app.draft.mode);
  let next: number | null = null;
  if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = (i + 1) % MODES.length;
  else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = (i - 1 + MODES.length) % MODES.length;
  else if (e.key === ' ' || e.key === 'Enter') {
    const focused = (e.target as HTMLElement).closest('[role=radio]');
    const hit = MODES.find((m) => focused?.getAttribute('data-testid') === `mode-${m.mode}`);
    if (hit) app.updateDraft({ mode: hit.mode });
    e.preventDefault();
    return;
  }
  if (next === null) return;
  e.preventDefault();
  app.updateDraft({ mode: MODES[next]!.mode });
  void app.updateComplete.then(() =>
    app.querySelector<HTMLElement>(`[data-testid=mode-${MODES[next]!.mode}]`)?.focus(),
  );
}

function renderModels(app: TuningApp): TemplateResult {
  const d = app.draft;
  const models = allModels(app.options!.models, d.customModels);
  return html`
    <div class="field">
      <label for="meta-model">Meta model <span class="hint">(writes and mutates the prompts)</span></label>
      ${renderSelect({
        id: 'meta-model',
        label: 'Meta model',
        value: d.metaModel,
        emptyText: 'Choose a meta model…',
        items: modelItems(models),
        onChange: (value) => app.updateDraft({ metaModel: value }),
      })}
    </div>

    <div class="field">
      <span class="field-label" id="targets-label"
        >Target models <span class="hint">(the prompts are evaluated on each)</span></span
      >
      ${
        models.length === 0
          ? html`<p class="hint" data-testid="no-models">
              No models configured yet: set a key with <b>Prompt Tuner: Set API Key</b>, or add a model id below.
            </p>`
          : nothing
      }
      <div class="model-grid" role="group" aria-labelledby="targets-label" data-testid="target-models">
        ${models.map(
          (m) =>
            html`<vscode-checkbox
              data-testid="target"
              data-model=${m.id}
              value=${m.id}
              title=${`${m.id} · ${m.source}`}
              .checked=${d.targetModels.includes(m.id)}
              @change=${(e: Event) => {
                const t = e.target as CheckTarget;
                const rest = app.draft.targetModels.filter((x) => x !== m.id);
                app.updateDraft({ targetModels: t.checked ? [...rest, m.id] : rest });
              }}
              >${m.label}</vscode-checkbox
            >`,
        )}
      </div>
      ${renderAddModel(app, (id) =>
        app.updateDraft({
          customModels: d.customModels.includes(id) ? d.customModels : [...d.customModels, id],
          targetModels: d.targetModels.includes(id) ? d.targetModels : [...d.targetModels, id],
        }),
      )}
    </div>
  `;
}

function renderBasePrompt(app: TuningApp): TemplateResult {
  const d = app.draft;
  const fromLibrary = d.baseVersion && d.baseVersion.text === d.basePrompt ? d.baseVersion : null;
  return html`
    <div class="field">
      <label for="base-prompt">Base system prompt</label>
      <vscode-textarea
        id="base-prompt"
        data-testid="base-prompt"
        rows="7"
        resize="vertical"
        .label=${'Base system prompt'}
        .value=${live(d.basePrompt)}
        @input=${(e: Event) => app.updateDraft({ basePrompt: (e.target as ValueTarget).value, basePromptTouched: true })}
      ></vscode-textarea>
      <p class="hint" data-testid="base-source">
        ${
          fromLibrary
            ? `From the library: ${fromLibrary.name} v${fromLibrary.version}`
            : d.basePromptTouched
              ? 'Edited here (not in the library yet).'
              : 'Default prompt. Apply a library version to context to start from it.'
        }
      </p>
      <div class="row">
        <vscode-button
          secondary
          icon="save"
          data-testid="save-base"
          ?disabled=${!d.basePrompt.trim()}
          @click=${() => app.post({ type: 'library/saveBasePrompt', text: app.draft.basePrompt })}
          >Save to Library</vscode-button
        >
        <vscode-button
          secondary
          icon="library"
          data-testid="load-base"
          aria-expanded=${app.libraryOpen ? 'true' : 'false'}
          @click=${() => {
            app.libraryOpen = !app.libraryOpen;
            app.requestUpdate();
          }}
          >Load from Library</vscode-button
        >
      </div>
      ${app.libraryOpen ? renderLibraryList(app) : nothing}
    </div>
  `;
}

function renderLibraryList(app: TuningApp): TemplateResult {
  if (app.versions.length === 0) {
    return html`<p class="hint" data-testid="library-empty">
      The Prompt Library is empty. Save a prompt to it first.
    </p>`;
  }
  return html`<div class="library-list" role="list" aria-label="Library versions" data-testid="library-list">
    ${app.versions.map(
      (v) =>
        html`<button
          class="library-item"
          role="listitem"
          data-testid="library-item"
          data-version-id=${String(v.id)}
          title=${v.text}
          @click=${() => {
            app.libraryOpen = false;
            app.updateDraft({
              basePrompt: v.text,
              basePromptTouched: true,
              baseVersion: { id: v.id, name: v.promptName, version: v.version, text: v.text },
            });
          }}
        >
          <span class="version">v${v.version}</span>
          <span class="label"
            >${v.promptName}${v.label ? ` · ${v.label}` : ''}${v.score !== null ? ` · ${percent(v.score)}` : ''}</span
          >
          <vscode-badge>${v.source}</vscode-badge>
          <span class="date">${dateText(v.createdAt)}</span>
        </button>`,
    )}
  </div>`;
}

function paramInput(
  app: TuningApp,
  field: 'population' | 'generations' | 'selectionRatio' | 'validationSplit',
  label: string,
  step: number,
): TemplateResult {
  const options = app.options!;
  const range = options.limits[field];
  const r = numberField(app.draft, options, field);
  const min = field === 'validationSplit' ? 0.05 : range.min;
  return numberInput({
    field,
    label,
    hint: `${min}–${range.max}`,
    min,
    max: range.max,
    step,
    value: app.draft[field],
    error: 'error' in r ? r.error : null,
    onInput: (value) => app.updateDraft({ [field]: value }),
  });
}

function budgetInput(app: TuningApp): TemplateResult {
  const r = budgetField(app.draft);
  return numberInput({
    field: 'budgetUsd',
    label: 'Budget (USD)',
    hint: 'optional',
    min: 0,
    step: 0.01,
    placeholder: 'No budget',
    value: app.draft.budgetUsd,
    error: 'error' in r ? r.error : null,
    onInput: (value) => app.updateDraft({ budgetUsd: value }),
  });
}

function renderParams(app: TuningApp): TemplateResult {
  const evo = app.draft.mode === 'evolutionary';
  return html`
    <h2>Parameters</h2>
    <div class="params">
      ${paramInput(app, 'population', 'Population size', 1)}
      ${evo ? paramInput(app, 'generations', 'Generations', 1) : nothing}
      ${evo ? paramInput(app, 'selectionRatio', 'Selection ratio', 0.05) : nothing} ${budgetInput(app)}
    </div>
    ${evo ? nothing : html`<p class="hint">Quick mode runs one generation; generations and selection ratio apply to Evolutionary only.</p>`}
    <div class="field">
      <vscode-checkbox
        data-testid="use-validation"
        .checked=${app.draft.useValidation}
        @change=${(e: Event) => app.updateDraft({ useValidation: (e.target as CheckTarget).checked })}
        >Hold out cases for validation (shows overfitting)</vscode-checkbox
      >
      ${app.draft.useValidation ? html`<div class="params">${paramInput(app, 'validationSplit', 'Validation split', 0.05)}</div>` : nothing}
    </div>
  `;
}

function renderEstimate(app: TuningApp): TemplateResult {
  const e = app.estimate;
  const threshold = app.options!.callWarningThreshold;
  let body: TemplateResult;
  let warn = false;
  if (e.status === 'idle')
    body = html`<span class="hint">Choose a suite and at least one target model to see the estimate.</span>`;
  else if (e.status === 'pending') body = html`<span class="hint">Estimating…</span>`;
  else if (e.status === 'error') body = html`<span class="error-text">${e.message}</span>`;
  else {
    warn = e.calls > threshold;
    const warning =
      e.warning ??
      (warn ? `More than ${threshold} API calls: reduce the population or the generations to spend less.` : null);
    body = html`<span class="calls" data-testid="estimate-text">${estimateText(e.calls, e.seconds)}</span>
      ${e.assumedDefaultLatency ? html`<span class="hint"> (time assumes a default latency: these models were not measured yet)</span>` : nothing}
      ${
        warning
          ? html`<div class="warning-text" data-testid="estimate-warning">
              <span class="codicon codicon-warning" aria-hidden="true"></span> ${warning}
            </div>`
          : nothing
      }`;
  }
  const budget = budgetField(app.draft);
  const cap = 'value' in budget && budget.value !== undefined ? budgetText(budget.value) : null;
  // The gateway prices calls from its price table: a model without a price cannot count towards the cap.
  const budgetNote = cap
    ? html`<div class="hint" id="budget-note" data-testid="budget-note">
        <span class="codicon codicon-credit-card" aria-hidden="true"></span> Budget ${cap}: stops starting calls once
        ${cap} would be exceeded; models with an unknown price are not counted.
      </div>`
    : nothing;
  return html`<div class="estimate ${warn ? 'warn' : ''}" data-testid="estimate" role="status" aria-live="polite">
    ${body}${budgetNote}
  </div>`;
}
