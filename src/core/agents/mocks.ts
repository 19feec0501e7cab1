// Answering an agent's tool call from the tool's mock (no real tool runs in a scale test). A call of an
// unknown tool or with arguments a real tool would reject gets a tool error result, and `error` is set
// so the transcript records it (it feeds "hallucinations").
import { isAbsentMatcher, matchValue, showValue } from '../suites/matchers';
import type { Agent } from './agentSchema';
import { checkArgs } from './argsCheck';

/** The tool call to answer, as the model made it. */
export interface MockToolCall {
  name: string;
  /** Parsed arguments; undefined when `rawArguments` is not valid JSON. */
  arguments: Record<string, unknown> | undefined;
  rawArguments: string;
}

/** `result` is JSON text sent back to the agent; `error` is set when the call itself was wrong. */
export function answerToolCall(agent: Agent, call: MockToolCall): { result: string; error?: string } {
  const tool = agent.tools.find((t) => t.name === call.name);
  if (!tool) return toolError(`unknown tool ${call.name}`);
  const args = call.arguments;
  if (args === undefined) return toolError(`arguments are not valid JSON: ${showValue(call.rawArguments)}`);
  const problems = checkArgs(tool.parameters, args);
  if (problems.length > 0) return toolError(`invalid arguments: ${problems.join('; ')}`);
  const hit = tool.mock?.responses?.find((r) => whenMatches(r.when, args));
  const value: unknown = hit ? hit.result : tool.mock?.result !== undefined ? tool.mock.result : { ok: true };
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- typed string, but JSON.stringify gives undefined for undefined (a response whose `result` is left out)
  return { result: JSON.stringify(value) ?? 'null' };
}

/** Every named argument matches as a suite case's would: leniently for literals, by matcher otherwise. */
function whenMatches(when: Record<string, unknown>, args: Record<string, unknown>): boolean {
  return Object.entries(when).every(([name, want]) =>
    name in args ? matchValue(want, args[name], name) === null : isAbsentMatcher(want),
  );
}

function toolError(error: string): { result: string; error: string } {
  return { result: JSON.stringify({ error }), error };
}
