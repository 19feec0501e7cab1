// The form: agent, the four models, the system prompt, goal and first message, runs, concurrency, budget,
// the estimate per role, and Start (disabled with its reasons).
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { ModelOption, ScaleRole } from '../../src/protocol/scalePanel';
import { percent } from '../shared/format';
import {
  allModels,
  modelItems,
  numberInput,
  renderAddModel,
  renderRunBanner,
  renderSelect,
  renderStartRow,
  type SelectItem,
  type ValueTarget,
} from '../shared/formParts';
import { plural, secondsText, usd } from './format';
import { budgetField, intField, promptText, selectedAgent, startBlockers } from './formState';
import type { ScaleApp } from './scaleApp';

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
      Runs an agent through many conversations with a simulated user, grades every transcript, and summarises the
      failures into a revised prompt you can verify.
    </p>
    ${
      app.snapshot
        ? renderRunBanner(
            app.running
              ? 'A scale test is running.'
              : `Last run: ${app.snapshot.status.replace('_', ' ')}, win rate ${percent(app.snapshot.report?.stats.winRate)}.`,
            () => app.showView('run'),
          )
        : nothing
    }
    ${renderAgent(app)} ${renderModels(app)} ${renderPrompt(app)} ${renderScenarioFields(app)} ${renderNumbers(app)}
    ${renderEstimate(app)}
    ${renderStartRow({
      label: 'Start Scale Test',
      starting,
      disabled: reasons.length > 0,
      reasons,
      reasonsIntro: `Start Scale Test is disabled ${starting ? 'while' : 'until you'}:`,
      error: app.startError,
      onStart: () => app.start(),
    })}
  `;
}

function renderAgent(app: ScaleApp): TemplateResult {
  const options = app.options!;
  const d = app.draft;
  const agent = selectedAgent(d, options);
  return html`<div class="field">
    <label for="agent">Agent</label>
    ${
      options.agents.length === 0
        ? html`<p class="hint" data-testid="no-agents">
            No <code>*.agent.json</code> file in this workspace. Create one (a system prompt, tools with mock results,
            scenarios; see examples/hotel-desk.agent.json), then refresh.
          </p>`
        : renderSelect({
            id: 'agent',
            label: 'Agent',
            value: d.agentFile,
            emptyText: 'Choose an agent…',
            items: options.agents.map((a) => ({
              value: a.file,
              text: `${a.name}${a.error ? ' (does not load)' : ''}`,
              description: a.relativePath,
            })),
            onChange: (agentFile) => app.updateDraft({ agentFile }),
          })
    }
    ${
      agent
        ? agent.error
          ? html`<p class="error-text" data-testid="agent-error">${agent.relativePath}: ${agent.error}</p>`
          : html`<p class="hint" data-testid="agent-summary">
              ${agent.relativePath} · ${plural(agent.toolCount, 'tool')} ·
              ${agent.scenarioCount > 0 ? plural(agent.scenarioCount, 'scenario') : 'no scenarios (the goal and user message below are used)'}
              · up to ${plural(agent.maxTurns, 'user turn')}
            </p>`
        : nothing
    }
    <div class="row">
      <button class="linkish" data-testid="refresh" @click=${() => app.post({ type: 'options/refresh' })}>
        Refresh agents and models
      </button>
    </div>
  </div>`;
}

type ModelField = 'agentModel' | 'userModel' | 'judgeModel' | 'summarizerModel';

function roleModel(
  app: ScaleApp,
  field: ModelField,
  label: string,
  hint: string,
  models: ModelOption[],
): TemplateResult {
  return html`<div>
    <label class="field-label" for=${`model-${field}`}>${label} <span class="hint">${hint}</span></label>
    ${renderSelect({
      id: `model-${field}`,
      label,
      value: app.draft[field],
      emptyText: field === 'agentModel' ? 'Choose a model…' : 'Same as the agent model',
      items: modelItems(models),
      onChange: (value) => app.updateDraft({ [field]: value }),
    })}
  </div>`;
}

function renderModels(app: ScaleApp): TemplateResult {
  const d = app.draft;
  const models = allModels(app.options!.models, d.customModels);
  return html`<h2>Models</h2>
    ${
      models.length === 0
        ? html`<p class="hint" data-testid="no-models">
            No models configured yet: set a key with <b>Prompt Tuner: Set API Key</b>, or add a model id below.
          </p>`
        : nothing
    }
    <div class="models">
      ${roleModel(app, 'agentModel', 'Agent model', '(the agent under test)', models)}
      ${roleModel(app, 'userModel', 'Simulated user model', '(plays the user)', models)}
      ${roleModel(app, 'judgeModel', 'Judge model', '(grades rubric assertions)', models)}
      ${roleModel(app, 'summarizerModel', 'Summarizer model', '(writes the report and revised prompt)', models)}
    </div>
    ${renderAddModel(app, (id) =>
      app.updateDraft({
        customModels: d.customModels.includes(id) ? d.customModels : [...d.customModels, id],
        agentModel: d.agentModel || id,
      }),
    )}`;
}

function renderPrompt(app: ScaleApp): TemplateResult {
  const options = app.options!;
  const d = app.draft;
  const agent = selectedAgent(d, options);
  const text = promptText(d, options, app.versions);
  const agentLabel = agent?.promptRef
    ? `The agent's prompt (${agent.promptRef} from the library)`
    : "The agent's prompt (from the agent file)";
  const context = options.activeContext;
  const items: SelectItem[] = [
    { value: 'agent', text: agentLabel },
    ...(context ? [{ value: 'context', text: `Active context: ${context.name} v${context.version}` }] : []),
    ...app.versions.map((v) => ({
      value: `library:${v.id}`,
      text: `Library: ${v.promptName} v${v.version}${v.label ? ` · ${v.label}` : ''}`,
      description: v.source,
    })),
  ];
  return html`<div class="field">
    <label for="system-prompt">System prompt under test</label>
    ${renderSelect({ id: 'system-prompt', label: 'System prompt under test', value: d.prompt, items, onChange: (prompt) => app.updateDraft({ prompt }) })}
    ${
      text !== null
        ? html`<pre
            class="prompt-text collapsed"
            data-testid="prompt-preview"
            tabindex="0"
            aria-label="System prompt text"
          >
${text}</pre>`
        : nothing
    }
  </div>`;
}

function renderScenarioFields(app: ScaleApp): TemplateResult {
  const agent = selectedAgent(app.draft, app.options);
  const scenarios = agent && !agent.error ? agent.scenarioCount : 0;
  return html`<div class="field">
      <label for="goal"
        >Goal of the simulated user
        ${scenarios > 0 ? html`<span class="hint">(not used: the agent's scenarios set it)</span>` : nothing}</label
      >
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
      <label for="user-message"
        >First user message <span class="hint">(optional; used when the agent has no scenarios)</span></label
      >
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
  return numberInput({
    field,
    label,
    hint: `${range.min}–${range.max}`,
    min: range.min,
    max: range.max,
    step: 1,
    value: app.draft[field],
    error: 'error' in r ? r.error : null,
    onInput: (value) => app.updateDraft({ [field]: value }),
  });
}

function renderNumbers(app: ScaleApp): TemplateResult {
  const b = budgetField(app.draft);
  return html`<h2>Run</h2>
    <div class="params">
      ${intInput(app, 'runs', 'Runs')} ${intInput(app, 'concurrency', 'Concurrency')}
      ${numberInput({
        field: 'budgetUsd',
        label: 'Budget (USD)',
        hint: 'optional cap',
        min: 0,
        step: 0.01,
        placeholder: 'No cap',
        value: app.draft.budgetUsd,
        error: 'error' in b ? b.error : null,
        onInput: (value) => app.updateDraft({ budgetUsd: value }),
      })}
    </div>`;
}

function renderEstimate(app: ScaleApp): TemplateResult {
  const e = app.estimate;
  if (e.status === 'idle') {
    return html`<section class="estimate-box" data-testid="estimate" aria-label="Estimate">
      <span class="hint">Choose an agent and an agent model to see the estimate.</span>
    </section>`;
  }
  if (e.status === 'pending') {
    return html`<section class="estimate-box" data-testid="estimate" aria-label="Estimate" aria-busy="true">
      <span class="hint">Estimating…</span>
    </section>`;
  }
  if (e.status === 'error') {
    return html`<section class="estimate-box warn" data-testid="estimate" aria-label="Estimate">
      <span class="error-text" data-testid="estimate-error">${e.message}</span>
    </section>`;
  }
  const est = e.estimate;
  const budget = budgetField(app.draft);
  const cap = 'value' in budget ? budget.value : undefined;
  return html`<section
    class="estimate-box ${est.overBudget ? 'warn' : ''}"
    data-testid="estimate"
    aria-label="Estimate"
  >
    <div class="row">
      <span class="total" data-testid="estimate-total"
        >${est.calls} model calls · ${est.usd === null ? 'cost unknown' : `about ${usd(est.usd)}`} ·
        ${secondsText(est.seconds)}</span
      >
    </div>
    <table class="grid compact" data-testid="estimate-roles">
      <caption class="sr-only">
        Estimate per role
      </caption>
      <thead>
        <tr>
          <th scope="col">Role</th>
          <th scope="col">Model</th>
          <th scope="col" class="num">Calls</th>
          <th scope="col" class="num">USD</th>
        </tr>
      </thead>
      <tbody>
        ${est.byRole.map(
          (r) =>
            html`<tr data-testid="estimate-role" data-role=${r.role}>
              <th scope="row">${ROLE_LABEL[r.role]}</th>
              <td class="mono">${r.model}</td>
              <td class="num">${r.calls}</td>
              <td class="num">${usd(r.usd)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      est.unknownPrices.length > 0
        ? html`<p class="hint" data-testid="estimate-unknown">
            No price known for ${est.unknownPrices.join(', ')}: their cost is shown as unknown (set one in the
            <code>promptTuner.prices</code> setting).
          </p>`
        : nothing
    }
    ${
      est.overBudget
        ? html`<p class="warning-text" data-testid="estimate-over-budget" role="status">
            <span class="codicon codicon-warning" aria-hidden="true"></span> The estimate is over the
            budget${cap !== undefined ? ` of ${usd(cap)}` : ''}: Start asks you to confirm, and the cap still stops
            calls once it would be exceeded.
          </p>`
        : nothing
    }
  </section>`;
}
