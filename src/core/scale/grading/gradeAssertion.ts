// Grades one assertion on one conversation in process: the text checks from the registry over the parts
// the scope picks, llm-rubric through the judge, and the built-in refusal check (heuristic first, one
// judge call only when it is unsure and nothing refused outright).
import type { EvaluationResult, TranscriptMessage } from '../types';
import { ASSERTION_REGISTRY, labelOf, scopeOf, tagOf, type ScaleAssertion } from './assertionRegistry';
import { REFUSAL_RUBRIC } from './assertionsFor';
import { judgeRubric, type JudgeCall } from './judge';
import { BLOCKED_DETAILS, classifyRefusal } from './refusal';
import { combineParts, partsFor, type CheckResult } from './transcriptParts';

export function toResult(a: ScaleAssertion, r: CheckResult): EvaluationResult {
  return {
    assertion: labelOf(a),
    type: a.type,
    scope: scopeOf(a),
    tag: tagOf(a),
    pass: r.pass,
    score: r.score,
    details: r.details,
    ...(r.turn !== undefined ? { turn: r.turn } : {}),
  };
}

export async function gradeAssertion(
  a: ScaleAssertion,
  messages: readonly TranscriptMessage[],
  judge: JudgeCall,
): Promise<EvaluationResult> {
  const scope = scopeOf(a);
  if (a.type === 'llm-rubric') {
    if (typeof a.value !== 'string' || a.value.trim() === '')
      return toResult(a, { pass: null, score: null, details: 'llm-rubric needs the rubric as its value' });
    const r = await judgeRubric(
      {
        rubric: a.value,
        scope: scope === 'final' ? 'final' : 'transcript',
        messages,
        ...(a.threshold !== undefined ? { threshold: a.threshold } : {}),
      },
      judge,
    );
    return toResult(a, r);
  }
  const parts = partsFor(scope, messages);
  if (a.judgeWhenUnsure === true && a.type === 'not-is-refusal')
    return toResult(a, await refusalWithJudge(parts, messages, judge));
  const check = ASSERTION_REGISTRY[a.type].check!;
  return toResult(
    a,
    combineParts(
      scope,
      parts,
      parts.map((p) => check(p.text, a.value)),
    ),
  );
}

/**
 * A clear refusal in any reply fails at once; replies the heuristic is unsure about (an apology, a hedge)
 * go to the judge together, in one call; a provider block cannot be graded.
 */
async function refusalWithJudge(
  parts: ReturnType<typeof partsFor>,
  messages: readonly TranscriptMessage[],
  judge: JudgeCall,
): Promise<CheckResult> {
  const classes = parts.map((p) => classifyRefusal(p.text));
  const at = (i: number) => (parts[i]!.turn !== undefined ? `turn ${parts[i]!.turn}: ` : '');
  const refused = classes.indexOf('refusal');
  if (refused >= 0) {
    const text = parts[refused]!.text.trim();
    return {
      pass: false,
      score: 0,
      details: `${at(refused)}${text === '' ? 'empty reply, treated as a refusal' : `refuses: "${text.slice(0, 100)}"`}`,
      ...turnAt(parts, refused),
    };
  }
  const unsure = classes.flatMap((c, i) => (c === 'unsure' ? [i] : []));
  if (unsure.length > 0) {
    const turns = unsure.map((i) => parts[i]!.turn).filter((t): t is number => t !== undefined);
    const r = await judgeRubric({ rubric: unsureRefusalRubric(turns), scope: 'transcript', messages }, judge);
    return { ...unsureRefusalResult(r, turns), ...turnAt(parts, unsure[0]!) };
  }
  const blocked = classes.indexOf('blocked');
  if (blocked >= 0)
    return { pass: null, score: null, details: `${at(blocked)}${BLOCKED_DETAILS}`, ...turnAt(parts, blocked) };
  return { pass: true, score: 1, details: `none of the ${parts.length} agent replies refuses` };
}

/** The judge's rubric for replies the refusal heuristic is unsure about. */
export function unsureRefusalRubric(turns: number[]): string {
  return `${REFUSAL_RUBRIC}\nLook closely at the agent's replies in turn${turns.length === 1 ? '' : 's'} ${turns.join(', ')}: they apologise or hedge.`;
}

export function unsureRefusalResult(judged: CheckResult, turns: number[]): CheckResult {
  return {
    ...judged,
    details: `the heuristic was unsure (an apology or hedge in ${turns.map((t) => `turn ${t}`).join(', ')}); the judge: ${judged.details}`,
  };
}

function turnAt(parts: ReturnType<typeof partsFor>, i: number): { turn?: number } {
  const t = parts[i]!.turn;
  return t !== undefined ? { turn: t } : {};
}
