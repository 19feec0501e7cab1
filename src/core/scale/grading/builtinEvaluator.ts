// The built-in evaluator: every assertion graded in process, one after another (so judge calls of one
// conversation go out in a fixed order and a replay asks the same things).
import type { EvaluationResult } from '../types';
import { assertionsFor } from './assertionsFor';
import type { GradeContext, GradeInput, ScaleEvaluator } from './evaluator';
import { gradeAssertion } from './gradeAssertion';
import type { JudgeCall } from './judge';

export function judgeCallOf(input: GradeInput, ctx: GradeContext): JudgeCall {
  return {
    gateway: ctx.gateway,
    model: ctx.judgeModel,
    signal: ctx.signal,
    callOptions: ctx.callOptions,
    onCall: (r) => ctx.onCall(r),
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
  };
}

export function createBuiltinEvaluator(): ScaleEvaluator {
  return {
    kind: 'builtin',
    async grade(input: GradeInput, ctx: GradeContext): Promise<EvaluationResult[]> {
      const judge = judgeCallOf(input, ctx);
      const results: EvaluationResult[] = [];
      for (const a of assertionsFor(input.agent, input.goal))
        results.push(await gradeAssertion(a, input.messages, judge));
      return results;
    },
  };
}
