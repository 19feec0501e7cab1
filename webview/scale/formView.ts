// The form: agent, the four models, the system prompt, goal and first message, runs, concurrency, budget,
// the estimate per role, and Start (disabled with its reasons).
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { ModelOption, ScaleRole } from '../../src/protocol/scalePanel';
import { percent, plural, secondsText, usd } from './format';
import { budgetField, intField, modelIdError, promptText, selectedAgent, startBlockers, type Draft } from './formState';
import type { ScaleApp } from './scaleApp';

type ValueTarget = EventTarget & { value: string };

export const ROLE_LABEL: Record<ScaleRole, string> = {
  agent: 'Agent',
  user: 'Simulated user',
  judge: 'Judge',
  summarizer: 'Summarizer',
};

export function renderFormView(app: ScaleApp): TemplateResult {
  const blockers = startBlockers(app.draft, app.options, app.versions);
  const starting = app.pendingKey !== null;
  const reasons = starting ? ['A run is starting…'] : blockers;
  return html`
    <h1>Scale Test</h1>
    <p class="subtitle">
      Runs an agent through many conversations with a simulated user, grades every transcript, and summarises the failures into a revised prompt
      you can verify.
    </p>
    ${app.snapshot
      ? html`<div class="banner row" data-testid="run-banner">
          <span>${app.running ? 'A scale test is running.' : `Last run: ${app.snapshot.status.replace('_', ' ')}, win rate ${percent(app.snapshot.report?.stats.winRate)}.`}</span>
          <button class="linkish" data-testid="show-run" @click=${() => app.showView('run')}>Show run</button>
        </div>`
      : nothing}
    ${renderAgent(app)} ${renderModels(app)} ${renderPrompt(app)} ${renderScenarioFields(app)} ${renderNumbers(app)} ${renderEstimate(app)}

    <div class="start-row">
      <vscode-button data-testid="start" icon="play" ?disabled=${reasons.length > 0} @click=${() => app.start()}
        >${starting ? 'Starting…' : 'Start Scale Test'}</vscode-button
      >
      ${reasons.length > 0
        ? html`<div data-testid="blockers" role="status">
            <span class="hint">Start Scale Test is disabled ${starting ? 'while' : 'until you'}:</span>
            <ul class="blockers">
              ${reasons.map((b) => html`<li>${b}</li>`)}
            </ul>
          </div>`
        : nothing}
      ${app.startError ? html`<p class="error-text" data-testid="start-error" role="alert">${app.startError}</p>` : nothing}
    </div>
  `;
}

function renderAgent(app: ScaleApp): TemplateResult {
  const options = app.options!;
  const d = app.draft;
  const agent = selectedAgent(d, options);
  return html`<div class="field">
    <label for="agent">Agent</label>
    ${options.agents.length === 0
      ? html`<p class="hint" data-testid="no-agents">
          No <code>*.agent.json</code> file in this workspace. Create one (a system prompt, tools with mock results, scenarios; see
          examples/hotel-desk.agent.json), then refresh.
        </p>`
      : html`<vscode-single-select
          id="agent"
          data-testid="agent"
          aria-label="Agent"
          .label=${'Agent'}
          .value=${d.agentFile}
          @change=${(e: Event) => app.updateDraft({ agentFile: (e.target as ValueTarget).value })}
        >
          <vscode-option value="" ?selected=${d.agentFile === ''}>Choose an agent…</vscode-option>
          ${options.agents.map(
            (a) => html`<vscode-option value=${a.file} description=${a.relativePath} ?selected=${a.file === d.agentFile}
              >${a.name}${a.error ? ' (does not load)' : ''}</vscode-option
            >`,
          )}
        </vscode-single-select>`}
    ${agent
      ? agent.error
        ? html`<p class="error-text" data-testid="agent-error">${agent.relativePath}: ${agent.error}</p>`
        : html`<p class="hint" data-testid="agent-summary">
            ${agent.relativePath} · ${plural(agent.toolCount, 'tool')} ·
            ${agent.scenarioCount > 0 ? plural(agent.scenarioCount, 'scenario') : 'no scenarios (the goal and user message below are used)'} · up to
            ${plural(agent.maxTurns, 'user turn')}
          </p>`
      : nothing}
    <div class="row"><button class="linkish" data-testid="refresh" @click=${() => app.post({ type: 'options/refresh' })}>Refresh agents and models</button></div>
  </div>`;
}

function allModels(app: ScaleApp): ModelOption[] {
  const known = app.options!.models;
  const custom = app.draft.customModels
    .filter((id) => !known.some((m) => m.id === id))
    .map((id) => ({ id, label: labelOf(id), source: 'added by you' }));
  return [...known, ...custom];
}

function labelOf(id: string): string {
  const slash = id.indexOf('/');
  return slash > 0 ? `${id.slice(slash + 1)} (${id.slice(0, slash)})` : id;
}

type ModelField = 'agentModel' | 'userModel' | 'judgeModel' | 'summarizerModel';

function modelSelect(app: ScaleApp, field: ModelField, label: string, hint: string, models: ModelOption[]): TemplateResult {
  const value = app.draft[field];
  const isAgent = field === 'agentModel';
  return html`<div>
    <label class="field-label" for=${`model-${field}`}>${label} <span class="hint">${hint}</span></label>
    <vscode-single-select
      id=${`model-${field}`}
      data-testid=${`model-${field}`}
      aria-label=${label}
      .label=${label}
      .value=${value}
      @change=${(e: Event) => app.updateDraft({ [field]: (e.target as ValueTarget).value } as Partial<Draft>)}
    >
      <vscode-option value="" ?selected=${value === ''}>${isAgent ? 'Choose a model…' : 'Same as the agent model'}</vscode-option>
      ${models.map((m) => html`<vscode-option value=${m.id} description=${m.source} ?selected=${m.id === value}>${m.label}</vscode-option>`)}
    </vscode-single-select>
  </div>`;
}

function renderModels(app: ScaleApp): TemplateResult {
  const d = app.draft;
  const models = allModels(app);
  const addModel = (): void => {
    const id = app.addModelText.trim();
    const error = modelIdError(id);
    app.addModelError = error;
    if (error) return app.requestUpdate();
    app.addModelText = '';
    app.updateDraft({
      customModels: d.customModels.includes(id) ? d.customModels : [...d.customModels, id],
      agentModel: d.agentModel || id,
    });
  };
  return html`<h2>Models</h2>
    ${models.length === 0
      ? html`<p class="hint" data-testid="no-models">No models configured yet: set a key with <b>Prompt Tuner: Set API Key</b>, or add a model id below.</p>`
      : nothing}
    <div class="models">
      ${modelSelect(app, 'agentModel', 'Agent model', '(the agent under test)', models)}
      ${modelSelect(app, 'userModel', 'Simulated user model', '(plays the user)', models)}
      ${modelSelect(app, 'judgeModel', 'Judge model', '(grades rubric assertions)', models)}
      ${modelSelect(app, 'summarizerModel', 'Summarizer model', '(writes the report and revised prompt)', models)}
    </div>
    <div class="row add-model">
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

function renderPrompt(app: ScaleApp): TemplateResult {
  const options = app.options!;
  const d = app.draft;
  const agent = selectedAgent(d, options);
  const text = promptText(d, options, app.versions);
  const agentLabel = agent?.promptRef ? `The agent's prompt (${agent.promptRef} from the library)` : "The agent's prompt (from the agent file)";
  return html`<div class="field">
    <label for="system-prompt">System prompt under test</label>
    <vscode-single-select
      id="system-prompt"
      data-testid="system-prompt"
      aria-label="System prompt under test"
      .label=${'System prompt under test'}
      .value=${d.prompt}
      @change=${(e: Event) => app.updateDraft({ prompt: (e.target as ValueTarget).value })}
    >
      <vscode-option value="agent" ?selected=${d.prompt === 'agent'}>${agentLabel}</vscode-option>
      ${options.activeContext
        ? html`<vscode-option value="context" ?selected=${d.prompt === 'context'}
            >Active context: ${options.activeContext.name} v${options.activeContext.version}</vscode-option
          >`
        : nothing}
      ${app.versions.map(
        (v) => html`<vscode-option value=${`library:${v.id}`} description=${v.source} ?selected=${d.prompt === `library:${v.id}`}
          >Library: ${v.promptName} v${v.version}${v.label ? ` · ${v.label}` : ''}</vscode-option
        >`,
      )}
    </vscode-single-select>
    ${text !== null
      ? html`<pre class="prompt-text collapsed" data-testid="prompt-preview" tabindex="0" aria-label="System prompt text">${text}</pre>`
      : nothing}
  </div>`;
}

function renderScenarioFields(app: ScaleApp): TemplateResult {
  const agent = selectedAgent(app.draft, app.options);
  const scenarios = agent && !agent.error ? agent.scenarioCount : 0;
  return html`<div class="field">
      <label for="goal">Goal of the simulated user ${scenarios > 0 ? html`<span class="hint">(not used: the agent's scenarios set it)</span>` : nothing}</label>
      <vscode-textfield
        id="goal"
        data-testid="goal"
        .label=${'Goal of the simulated user'}
        placeholder=${scenarios > 0 ? 'Each scenario has its own goal' : 'e.g. Book a double room in Oslo for two nights'}
        .value=${live(app.draft.goal)}
        @input=${(e: Event) => app.updateDraft({ goal: (e.target as ValueTarget).value })}
      ></vscode-textfield>
    </div>
    <div class="field">
      <label for="user-message">First user message <span class="hint">(optional; used when the agent has no scenarios)</span></label>
      <vscode-textarea
        id="user-message"
        data-testid="user-message"
        rows="3"
        resize="vertical"
        .label=${'First user message'}
        placeholder="Sent verbatim as the first turn; empty: the simulated user writes it"
        .value=${live(app.draft.userMessage)}
        @input=${(e: Event) => app.updateDraft({ userMessage: (e.target as ValueTarget).value })}
      ></vscode-textarea>
    </div>`;
}

function intInput(app: ScaleApp, field: 'runs' | 'concurrency', label: string): TemplateResult {
  const options = app.options!;
  const range = options.limits[field];
  const r = intField(app.draft, options, field);
  return html`<div>
    <label class="field-label" for=${`param-${field}`}>${label} <span class="hint">(${range.min}–${range.max})</span></label>
    <vscode-textfield
      id=${`param-${field}`}
      data-testid=${`param-${field}`}
      type="number"
      min=${range.min}
      max=${range.max}
      step="1"
      .label=${label}
      .value=${live(app.draft[field])}
      ?invalid=${'error' in r}
      @input=${(e: Event) => app.updateDraft({ [field]: (e.target as ValueTarget).value })}
    ></vscode-textfield>
    ${'error' in r ? html`<div class="error-text hint" data-testid=${`param-${field}-error`}>${r.error}</div>` : nothing}
  </div>`;
}

function renderNumbers(app: ScaleApp): TemplateResult {
  const b = budgetField(app.draft);
  return html`<h2>Run</h2>
    <div class="params">
      ${intInput(app, 'runs', 'Runs')} ${intInput(app, 'concurrency', 'Concurrency')}
      <div>
        <label class="field-label" for="param-budgetUsd">Budget (USD) <span class="hint">(optional cap)</span></label>
        <vscode-textfield
          id="param-budgetUsd"
          data-testid="param-budgetUsd"
          type="number"
          min="0"
          step="0.01"
          placeholder="No cap"
          .label=${'Budget (USD)'}
          .value=${live(app.draft.budgetUsd)}
          ?invalid=${'error' in b}
          @input=${(e: Event) => app.updateDraft({ budgetUsd: (e.target as ValueTarget).value })}
        ></vscode-textfield>
        ${'error' in b ? html`<div class="error-text hint" data-testid="param-budgetUsd-error">${b.error}</div>` : nothing}
      </div>
    </div>`;
}

function renderEstimate(app: ScaleApp): TemplateResult {
  const e = app.estimate;
  if (e.status === 'idle') {
    return html`<section class="estimate-box" data-testid="estimate" aria-label="Estimate"><span class="hint">Choose an agent and an agent model to see the estimate.</span></section>`;
  }
  if (e.status === 'pending') {
    return html`<section class="estimate-box" data-testid="estimate" aria-label="Estimate" aria-busy="true"><span class="hint">Estimating…</span></section>`;
  }
  if (e.status === 'error') {
    return html`<section class="estimate-box warn" data-testid="estimate" aria-label="Estimate"><span class="error-text" data-testid="estimate-error">${e.message}</span></section>`;
  }
  const est = e.estimate;
  const budget = budgetField(app.draft);
  const cap = 'value' in budget ? budget.value : undefined;
  return html`<section class="estimate-box ${est.overBudget ? 'warn' : ''}" data-testid="estimate" aria-label="Estimate">
    <div class="row">
      <span class="total" data-testid="estimate-total">${est.calls} model calls · ${est.usd === null ? 'cost unknown' : `about ${usd(est.usd)}`} · ${secondsText(est.seconds)}</span>
    </div>
    <table class="grid compact" data-testid="estimate-roles">
      <caption class="sr-only">Estimate per role</caption>
      <thead>
        <tr><th scope="col">Role</th><th scope="col">Model</th><th scope="col" class="num">Calls</th><th scope="col" class="num">USD</th></tr>
      </thead>
      <tbody>
        ${est.byRole.map(
          (r) => html`<tr data-testid="estimate-role" data-role=${r.role}>
            <th scope="row">${ROLE_LABEL[r.role]}</th>
            <td class="mono">${r.model}</td>
            <td class="num">${r.calls}</td>
            <td class="num">${usd(r.usd)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${est.unknownPrices.length > 0
      ? html`<p class="hint" data-testid="estimate-unknown">
          No price known for ${est.unknownPrices.join(', ')}: their cost is shown as unknown (set one in the <code>promptTuner.prices</code> setting).
        </p>`
      : nothing}
    ${est.overBudget
      ? html`<p class="warning-text" data-testid="estimate-over-budget" role="status">
          <span class="codicon codicon-warning" aria-hidden="true"></span> The estimate is over the budget${cap !== undefined ? ` of ${usd(cap)}` : ''}: Start asks you
          to confirm, and the cap still stops calls once it would be exceeded.
        </p>`
      : nothing}
  </section>`;
}
