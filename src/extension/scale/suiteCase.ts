// A failing conversation as a new `*.suite.json` case (pure, no vscode): its last agent turn becomes the case.
// The messages up to the last user turn are the case's `messages`; what the agent did in reply to that user
// message is the expectation: its tool call (several: `calls`), or `noToolCall` when it only answered. The
// user then edits the expected arguments into what the agent should have done.
import type { Agent, AgentTool } from '../../core/agents/agentSchema';
import type { ConversationSummary, TranscriptMessage } from '../../core/scale/types';
import type { SuiteFile, SuiteFileCase } from '../../core/suites/suiteSchema';

type SuiteMessage = NonNullable<SuiteFileCase['messages']>[number];
type SuiteTool = SuiteFile['tools'][number];

/** Thrown when the conversation has nothing a case could be made of (no user turn answered by the agent). */
export class SuiteCaseError extends Error {
  override name = 'SuiteCaseError';
}

export interface CaseSource {
  runId: string;
  conversation: ConversationSummary;
  messages: TranscriptMessage[];
  /** Case ids already in the target suite: the new id avoids them. */
  existingIds: ReadonlySet<string>;
}

/** `hotel-desk`, from "Hotel front desk!" (for ids and file names). */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'agent'
  );
}

function toSuiteMessages(messages: TranscriptMessage[]): SuiteMessage[] {
  const out: SuiteMessage[] = [];
  for (const m of messages) {
    if (m.role === 'user') out.push({ role: 'user', content: m.content });
    else if (m.role === 'assistant') {
      const calls = m.toolCalls ?? [];
      out.push(
        calls.length > 0
          ? {
              role: 'assistant',
              content: m.content,
              toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments ?? {} })),
            }
          : { role: 'assistant', content: m.content },
      );
      for (const c of calls) out.push({ role: 'tool', toolCallId: c.id, name: c.name, content: c.result });
    }
    // Transcript 'tool' messages carry nothing the calls above do not: results ride on the assistant's calls.
  }
  return out;
}

/** The case built from the conversation's last agent turn. */
export function suiteCaseFromConversation(src: CaseSource): SuiteFileCase {
  const lastUser = src.messages.map((m) => m.role).lastIndexOf('user');
  if (lastUser < 0)
    throw new SuiteCaseError(
      `Conversation #${src.conversation.index + 1} has no user message: nothing to turn into a case.`,
    );
  const reply = src.messages.slice(lastUser + 1).find((m) => m.role === 'assistant');
  if (!reply)
    throw new SuiteCaseError(
      `Conversation #${src.conversation.index + 1} has no agent reply to its last user message: nothing to turn into a case.`,
    );
  const calls = reply.toolCalls ?? [];
  const expect: SuiteFileCase['expect'] =
    calls.length === 0
      ? { noToolCall: true }
      : calls.length === 1
        ? { tool: calls[0]!.name, args: calls[0]!.arguments ?? {} }
        : { calls: calls.map((c) => ({ tool: c.name, args: c.arguments ?? {} })) };
  const c = src.conversation;
  const base = `scale-${slug(c.scenario?.id ?? 'goal')}-${src.runId.slice(0, 8)}-${c.index + 1}`;
  let id = base;
  for (let n = 2; src.existingIds.has(id); n++) id = `${base}-${n}`;
  const tags = c.failureTags.length > 0 ? c.failureTags.join(', ') : (c.outcome ?? 'not graded');
  return {
    id,
    description: `From scale run ${src.runId}, conversation #${c.index + 1} (${tags})${c.scenario ? `, scenario ${c.scenario.id}` : ''}: the agent's reply to turn ${reply.turn}. Edit the expectation into what the agent should have done.`,
    messages: toSuiteMessages(src.messages.slice(0, lastUser + 1)),
    expect,
  };
}

function suiteTool(t: AgentTool): SuiteTool {
  return {
    name: t.name,
    ...(t.description !== undefined ? { description: t.description } : {}),
    parameters: t.parameters,
  };
}

/** Tool names the case refers to (its expectation and the calls in its messages). */
function toolsOf(c: SuiteFileCase): Set<string> {
  const names = new Set<string>();
  if (c.expect.tool) names.add(c.expect.tool);
  for (const call of c.expect.calls ?? []) names.add(call.tool);
  for (const m of c.messages ?? [])
    if (m.role === 'assistant') for (const call of m.toolCalls ?? []) names.add(call.name);
  return names;
}

/** A new suite file holding the agent's tools (without their mocks) and the case. */
export function newSuiteFile(agent: Pick<Agent, 'name' | 'tools'>, c: SuiteFileCase): SuiteFile {
  return {
    name: `${agent.name} (from scale tests)`,
    description: `Cases made from failing scale-test conversations of ${agent.name}.`,
    tools: agent.tools.map(suiteTool),
    cases: [c],
  };
}

/**
 * The suite with the case appended, and the agent's tools the case needs but the suite lacks. Key order and
 * everything else in the file is kept; throws SuiteCaseError when the file is not a suite object.
 */
export function appendCase(
  suite: unknown,
  c: SuiteFileCase,
  agent: Pick<Agent, 'tools'>,
): { suite: Record<string, unknown>; addedTools: string[] } {
  if (typeof suite !== 'object' || suite === null || Array.isArray(suite))
    throw new SuiteCaseError('The suite file is not a JSON object.');
  const s = suite as Record<string, unknown>;
  const tools = Array.isArray(s.tools) ? [...(s.tools as unknown[])] : [];
  const cases = Array.isArray(s.cases) ? [...(s.cases as unknown[])] : [];
  const have = new Set(
    tools
      .map((t) => (typeof t === 'object' && t !== null ? (t as { name?: unknown }).name : undefined))
      .filter((n): n is string => typeof n === 'string'),
  );
  const addedTools: string[] = [];
  for (const name of toolsOf(c)) {
    if (have.has(name)) continue;
    const tool = agent.tools.find((t) => t.name === name);
    if (!tool) continue; // an unknown tool the agent made up: the suite's validation names it
    tools.push(suiteTool(tool));
    addedTools.push(name);
  }
  return { suite: { ...s, tools, cases: [...cases, c] }, addedTools };
}

/** Case ids already in a parsed suite file. */
export function caseIds(suite: unknown): Set<string> {
  const cases = (suite as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases)) return new Set();
  return new Set(
    cases.map((c) => (c as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string'),
  );
}
