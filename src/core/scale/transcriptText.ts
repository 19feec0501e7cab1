// A conversation as a plain-text document (no Markdown: model output is shown as text), for the editor's
// read-only transcript view and `prompt-tuner scale show RUN_ID --conversation ID`.
import type { ConversationSummary, EvaluationResult, TranscriptMessage } from './types';

const ENDED: Record<NonNullable<ConversationSummary['endedReason']>, string> = {
  user_stop: 'ended by the simulated user (###STOP###)',
  max_turns: 'ended at the turn limit',
  budget: 'cut by a budget cap',
  error: 'cut by an error',
  cancelled: 'cancelled',
};

const indent = (text: string, pad: string) =>
  text
    .split('\n')
    .map((l, i) => (i === 0 ? l : pad + l))
    .join('\n');

function verdict(r: EvaluationResult): string {
  const mark = r.pass === null ? 'NOT GRADED' : r.pass ? 'PASS' : `FAIL ${r.tag}`;
  const score = r.score === null ? '' : ` (score ${Math.round(r.score * 100) / 100})`;
  const turn = r.turn !== undefined ? ` [turn ${r.turn}]` : '';
  return `  ${mark}  ${r.assertion}${score}${turn}${r.details ? `\n      ${indent(r.details, '      ')}` : ''}`;
}

export function transcriptText(summary: ConversationSummary, messages: TranscriptMessage[]): string {
  const lines: string[] = [];
  lines.push(`Conversation ${summary.conversationId} (run ${summary.index + 1}, seed ${summary.seed})`);
  if (summary.scenario) {
    lines.push(`Scenario: ${summary.scenario.id}`);
    lines.push(`Persona: ${summary.scenario.persona}`);
    lines.push(`Goal: ${summary.scenario.goal}`);
  }
  const outcome =
    summary.outcome === null
      ? 'not graded yet'
      : summary.outcome === 'unscored'
        ? 'unscored (kept out of the win rate)'
        : summary.outcome;
  lines.push(`Outcome: ${outcome}${summary.failureTags.length ? `, ${summary.failureTags.join(', ')}` : ''}`);
  const facts = [
    `${summary.turns} turn${summary.turns === 1 ? '' : 's'}`,
    summary.endedReason ? ENDED[summary.endedReason] : summary.status,
    summary.costUsd === null ? 'cost unknown' : `$${summary.costUsd.toFixed(4)}`,
    `${summary.promptTokens + summary.completionTokens} tokens`,
    ...(summary.toolErrors ? [`${summary.toolErrors} tool error${summary.toolErrors === 1 ? '' : 's'}`] : []),
  ];
  lines.push(facts.join(', '));
  if (summary.error) lines.push(`Error: ${summary.error}`);
  if (summary.assertionResults.length) {
    lines.push('', 'Assertions:');
    for (const r of summary.assertionResults) lines.push(verdict(r));
  }
  lines.push('', 'Transcript:');
  if (messages.length === 0) lines.push('  (no messages stored)');
  for (const m of messages) {
    const who = m.role === 'user' ? 'USER' : m.role === 'assistant' ? 'AGENT' : 'TOOL';
    const prefix = `[turn ${m.turn}] ${who}: `;
    if (m.role !== 'tool' || !m.toolCalls) {
      if (m.content || !m.toolCalls?.length) lines.push(prefix + indent(m.content, ' '.repeat(prefix.length)));
    }
    for (const call of m.toolCalls ?? []) {
      const args = call.arguments === null ? '(arguments not valid JSON)' : JSON.stringify(call.arguments);
      lines.push(
        `[turn ${m.turn}] TOOL ${call.name} ${args} -> ${call.result}${call.error ? `  (tool error: ${call.error})` : ''}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
