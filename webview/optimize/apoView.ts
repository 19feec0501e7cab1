// APO's rounds (each candidate's batch and validate reward, its regressions, whether it stayed in the beam,
// the critique that led to it) and the best prompt card with its actions: Apply to Context, Save to Library
// or View in Library, Copy, Show Diff against the initial prompt. Model-written text is rendered as text.
import { html, nothing, type TemplateResult } from 'lit';
import type { ApoCandidate, ApoRound, OptimizeOverview, OptimizeRunSnapshot } from '../../src/protocol/optimizePanel';
import { itemList, reward, rewardDelta } from './format';
import type { OptimizeApp } from './optimizeApp';

type Shown = NonNullable<OptimizeOverview['run']>;

function candidateRow(round: ApoRound, c: ApoCandidate): TemplateResult {
  const leader = round.leader_version === c.resources_version;
  return html`<tr
    data-testid="candidate"
    data-version=${c.resources_version}
    data-kept=${c.kept ? 'true' : 'false'}
    class=${leader ? 'leader' : ''}
  >
    <th scope="row" class="nowrap">
      v${c.resources_version}${leader ? html` <span class="pill leader-pill" data-testid="leader">leader</span>` : nothing}
    </th>
    <td class="nowrap">${c.parent_version === null ? 'initial' : `from v${c.parent_version}`}</td>
    <td class="num" data-testid="candidate-batch">${reward(c.batch_reward)}</td>
    <td class="num" data-testid="candidate-validate">${reward(c.validate_reward)}</td>
    <td data-testid="candidate-regressions">
      ${
        c.regressions.length > 0
          ? html`<span class="state regress"
              ><span class="codicon codicon-warning" aria-hidden="true"></span>loses ${itemList(c.regressions)}</span
            >`
          : html`<span class="hint">none</span>`
      }
    </td>
    <td>
      ${c.kept ? html`<span class="state kept"><span class="codicon codicon-check" aria-hidden="true"></span>kept</span>` : html`<span class="hint">dropped</span>`}
    </td>
    <td class="prompt-cell">
      <details>
        <summary>Prompt</summary>
        <pre class="prompt-text small" data-testid="candidate-prompt">${c.system_prompt}</pre>
      </details>
    </td>
  </tr>`;
}

export function renderRounds(s: OptimizeRunSnapshot): TemplateResult {
  if (s.rounds_total === 0 && s.rounds.length === 0) return html``;
  return html`<h3 class="section-title" id="rounds-h">
      APO rounds <span class="hint">(${s.rounds.length} of ${s.rounds_total} done)</span>
    </h3>
    ${s.rounds.length === 0 ? html`<p class="hint" data-testid="rounds-empty">No round has finished yet.</p>` : nothing}
    ${s.rounds.map(
      (r) =>
        html`<section
          class="round card"
          data-testid="round"
          data-round=${r.round}
          aria-labelledby=${`round-${r.round}-h`}
        >
          <div class="row">
            <h4 id=${`round-${r.round}-h`}>Round ${r.round}</h4>
            <span class="hint" data-testid="round-leader"
              >${r.leader_version !== null ? `leader v${r.leader_version}: ${reward(r.leader_reward)} on the full validate set` : 'no leader'}</span
            >
          </div>
          <div class="table-scroll">
            <table class="grid compact candidates">
              <caption class="sr-only">
                Candidates of round ${r.round}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Candidate</th>
                  <th scope="col">Edited</th>
                  <th scope="col" class="num">Batch reward</th>
                  <th scope="col" class="num">Validate reward</th>
                  <th scope="col">Regressions</th>
                  <th scope="col">Beam</th>
                  <th scope="col">Text</th>
                </tr>
              </thead>
              <tbody>
                ${r.candidates.map((c) => candidateRow(r, c))}
              </tbody>
            </table>
          </div>
          ${
            r.critiques.length > 0
              ? html`<details class="critiques" data-testid="critiques">
                  <summary>Critique${r.critiques.length === 1 ? '' : 's'} (${r.critiques.length})</summary>
                  ${r.critiques.map(
                    (c) =>
                      html`<div class="critique">
                        <span class="hint">of v${c.parent_version}</span>
                        <pre class="prompt-text small" data-testid="critique">${c.text}</pre>
                      </div>`,
                  )}
                </details>`
              : nothing
          }
        </section>`,
    )}`;
}

function renderDelta(text: string, change: number, baseline: string): TemplateResult {
  const dir = change > 0 ? 'up' : change < 0 ? 'down' : '';
  return html`<span class="delta ${dir}" data-testid="best-delta"
    >${dir ? html`<span class="codicon codicon-arrow-${dir}" aria-hidden="true"></span>` : nothing}${text} vs the
    initial ${baseline}</span
  >`;
}

/** The run's best prompt: the snapshot's (with its library version), else the stored report's. */
function bestOf(shown: Shown): {
  version: number;
  text: string;
  validate: number | null;
  library: { name: string; version: number } | null;
} | null {
  const b = shown.snapshot?.best;
  if (b)
    return { version: b.resources_version, text: b.system_prompt, validate: b.validate_reward, library: b.library };
  const r = shown.row.report?.best ?? shown.snapshot?.report?.best;
  return r ? { version: r.resources_version, text: r.system_prompt, validate: r.validate_reward, library: null } : null;
}

export function renderBest(
  app: OptimizeApp,
  shown: Shown,
  savedBest: { name: string; version: number } | null,
): TemplateResult {
  const found = bestOf(shown);
  if (!found) return html``;
  const best = { ...found, library: savedBest ?? found.library };
  const id = shown.row.run_id;
  const baseline = shown.snapshot?.mean_reward.validate ?? shown.row.report?.mean_reward.validate ?? null;
  const initial = shown.row.config.resources['system_prompt'];
  const same = typeof initial === 'string' && initial.trim() === best.text.trim();
  const delta = rewardDelta(best.validate, baseline);
  const n = app.actionNote;
  const note = n && n.runId === id && n.action !== 'cancel' && n.action !== 'resume' ? n.message : '';
  const post = (type: 'best/apply' | 'best/save' | 'best/view' | 'best/copy' | 'best/diff') => () =>
    app.post({ type, runId: id });
  return html`<section class="card best-card" data-testid="best-card" aria-labelledby="best-h">
    <div class="row">
      <span class="codicon codicon-rocket" aria-hidden="true"></span>
      <h3 id="best-h">Best prompt <span class="hint">v${best.version}</span></h3>
      <span class="spacer"></span>
      <span class="best-reward" data-testid="best-reward">${reward(best.validate)} on validate</span>
      ${delta ? renderDelta(delta, best.validate! - baseline!, reward(baseline)) : nothing}
    </div>
    ${same ? html`<p class="hint" data-testid="best-is-initial">No candidate beat the initial prompt: the best is the initial prompt.</p>` : nothing}
    <pre class="prompt-text" data-testid="best-prompt" tabindex="0" aria-label="Best prompt text">${best.text}</pre>
    <p class="hint" data-testid="best-library">
      ${best.library ? html`Saved in the Prompt Library as <strong>${best.library.name} v${best.library.version}</strong> (source optimized).` : 'Not saved to the Prompt Library yet.'}
    </p>
    <div class="row actions-row">
      <vscode-button icon="target" data-testid="best-apply" @click=${post('best/apply')}
        >Apply to Context</vscode-button
      >
      ${
        best.library
          ? html`<vscode-button secondary icon="library" data-testid="best-view" @click=${post('best/view')}
              >View in Library</vscode-button
            >`
          : html`<vscode-button secondary icon="save" data-testid="best-save" @click=${post('best/save')}
              >Save to Library</vscode-button
            >`
      }
      <vscode-button secondary icon="copy" data-testid="best-copy" @click=${post('best/copy')}>Copy</vscode-button>
      <vscode-button
        secondary
        icon="diff"
        data-testid="best-diff"
        ?disabled=${typeof initial !== 'string'}
        @click=${post('best/diff')}
        >Show Diff</vscode-button
      >
      <span class="action-note hint" role="status" data-testid="action-note">${note}</span>
    </div>
  </section>`;
}
