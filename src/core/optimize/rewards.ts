// How a rollout's answer is scored: Tau's exact_match (trimmed equality) and ours (contains, regex, number,
// llm_judge). The judge reuses scale testing's judge request and promptfoo's {reason, pass, score} parse.
import type { ModelGateway, ModelResult } from '../models/types';
import { askJudge, judgeRequestOf, judgeSystemPrompt, judgeUserMessage } from '../scale/grading/judge';
import { renderTranscript } from '../scale/grading/transcriptParts';
import type { RewardSpec, RolloutInput } from './types';

/** One scored answer; `name` is the reward's name in the reward.emit span (Tau's `reward_name`). */
export interface RewardResult {
  value: number;
  name: string;
  /** One line for people: why this value. */
  detail: string;
}

/** What an llm_judge reward calls; without it an llm_judge reward scores 0 and says why. */
export interface JudgeDeps {
  gateway: ModelGateway;
  /** provider/model used when the spec names none. */
  model: string;
  signal: AbortSignal;
  /** Every judge call's result, for the run's call and cost totals. */
  onCall?: (result: ModelResult) => void;
}

const NUMBER = /[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?/;

/** The first number written in digits in `text` (thousands commas allowed), or null. */
export function firstNumber(text: string): number | null {
  const m = text.match(NUMBER);
  if (!m) return null;
  const n = Number(m[0].replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
}

function noExpected(name: string): RewardResult {
  return { value: 0, name, detail: 'the input has no expected answer, so the reward cannot pass' };
}

function clip(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** The judge's system prompt: scale testing's, with the expected answer as a reference after the rubric. */
export function answerJudgeSystemPrompt(rubric: string, expected: string | undefined): string {
  const base = judgeSystemPrompt(rubric, 'final');
  return expected === undefined
    ? base
    : `${base}\nA reference answer the agent's reply may be compared with:\n<expected>\n${expected}\n</expected>`;
}

async function judgeScore(
  spec: Extract<RewardSpec, { type: 'llm_judge' }>,
  answer: string,
  input: RolloutInput,
  judge: JudgeDeps | undefined,
): Promise<RewardResult> {
  const name = 'llm_judge';
  if (!judge) return { value: 0, name, detail: 'no judge model was given, so the answer could not be judged' };
  const at = new Date(0).toISOString();
  const transcript = renderTranscript([
    { turn: 1, role: 'user', content: input.prompt, at },
    { turn: 1, role: 'assistant', content: answer, at },
  ]);
  const request = judgeRequestOf(spec.model ?? judge.model, answerJudgeSystemPrompt(spec.rubric, input.expected), [
    { role: 'user', content: judgeUserMessage(transcript) },
  ]);
  // Budget and cancellation errors are rethrown by askJudge: they stop the rollout, not score it.
  const verdict = await askJudge(request, {
    gateway: judge.gateway,
    model: request.model,
    signal: judge.signal,
    callOptions: {},
    onCall: (r) => judge.onCall?.(r),
  });
  if ('problem' in verdict) return { value: 0, name, detail: verdict.problem };
  const value = Math.min(1, Math.max(0, verdict.verdict.score));
  return { value, name, detail: `${verdict.verdict.pass ? 'pass' : 'fail'} (${value}): ${verdict.verdict.reason}` };
}

/** Scores one answer against the input's expected value by the config's reward. */
export async function scoreAnswer(
  spec: RewardSpec,
  answer: string,
  input: RolloutInput,
  judge?: JudgeDeps,
): Promise<RewardResult> {
  const expected = input.expected;
  switch (spec.type) {
    case 'exact_match': {
      const name = 'exact_match';
      if (expected === undefined) return noExpected(name);
      const ok = answer.trim() === expected.trim();
      return {
        value: ok ? 1 : 0,
        name,
        detail: ok
          ? 'the trimmed answer equals the expected one'
          : `expected ${clip(expected.trim())}, got ${clip(answer.trim())}`,
      };
    }
    case 'contains': {
      const name = 'contains';
      if (expected === undefined) return noExpected(name);
      const ok = spec.case_sensitive
        ? answer.includes(expected)
        : answer.toLowerCase().includes(expected.toLowerCase());
      return {
        value: ok ? 1 : 0,
        name,
        detail: ok
          ? `the answer contains ${clip(expected)}`
          : `the answer does not contain ${clip(expected)}${spec.case_sensitive ? ' (case-sensitive)' : ''}`,
      };
    }
    case 'regex': {
      const name = 'regex';
      if (expected === undefined) return noExpected(name);
      let re: RegExp;
      try {
        re = new RegExp(expected, spec.flags);
      } catch (e) {
        return {
          value: 0,
          name,
          detail: `the expected pattern ${clip(expected)} is not a valid regular expression: ${(e as Error).message}`,
        };
      }
      const ok = re.test(answer);
      return {
        value: ok ? 1 : 0,
        name,
        detail: ok
          ? `the answer matches /${expected}/${spec.flags}`
          : `the answer does not match /${expected}/${spec.flags}`,
      };
    }
    case 'number': {
      const name = 'number';
      if (expected === undefined) return noExpected(name);
      const want = firstNumber(expected);
      if (want === null) return { value: 0, name, detail: `the expected value ${clip(expected)} is not a number` };
      const got = firstNumber(answer);
      if (got === null)
        return { value: 0, name, detail: `the answer has no number written in digits (expected ${want})` };
      const ok = Math.abs(got - want) <= spec.tolerance;
      return {
        value: ok ? 1 : 0,
        name,
        detail: ok
          ? `${got} is within ${spec.tolerance} of ${want}`
          : `${got} is not within ${spec.tolerance} of ${want}`,
      };
    }
    case 'llm_judge':
      return judgeScore(spec, answer, input, judge);
  }
}
