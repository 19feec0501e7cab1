// Reports the evaluation panel tests send, built by the host's own builder (buildReportView) from a small
// suite and engine results: a single report on two models (one with an unknown price, one answer holding
// HTML), the same with three tries per case, and two prompts compared.
import { summarize, type CaseResult } from '../../src/core/suites/evaluate';
import type { FailureReason } from '../../src/core/suites/scoreCase';
import type { Suite } from '../../src/core/suites/suiteSchema';
import { buildReportView, type RunInput } from '../../src/extension/evalReport/reportView';
import type { EvalReportView } from '../../src/protocol/evalPanel';

export const HOSTILE = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';
export const MODELS = ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5'];
export const BASE_PROMPT = 'You are a helpful travel assistant.';
export const RULES_PROMPT = `${BASE_PROMPT}\nWrite every date argument in ISO 8601 format (YYYY-MM-DD).`;

export const SUITE: Suite = {
  name: 'Travel desk',
  file: 'suites/travel.suite.json',
  tools: [
    { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
    { name: 'book_hotel', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  ],
  cases: [
    {
      id: 'weather-iso',
      description: 'A plain weather question',
      messages: [{ role: 'user', content: 'Weather in Lisbon on 2026-12-05?' }],
      expect: { kind: 'calls', calls: [{ tool: 'get_weather', args: { city: 'Lisbon', date: '2026-12-05' } }] },
    },
    {
      id: 'weather-date-words',
      messages: [{ role: 'user', content: 'Weather in Oslo on December 5?' }],
      expect: { kind: 'calls', calls: [{ tool: 'get_weather', args: { city: 'Oslo', date: '2026-12-05' } }] },
    },
    {
      id: 'smalltalk-thanks',
      messages: [
        { role: 'user', content: 'Book a hotel in Rome' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ name: 'book_hotel', arguments: { city: 'Rome' }, rawArguments: '{"city":"Rome"}' }],
        },
        { role: 'tool', toolCallId: 'c1', name: 'book_hotel', content: '{"ok":true}' },
        { role: 'user', content: `Thanks! ${HOSTILE}` },
      ],
      expect: { kind: 'noToolCall' },
    },
    {
      id: 'hotel-nights',
      messages: [{ role: 'user', content: 'Two nights in Paris from 2026-12-05' }],
      expect: { kind: 'calls', calls: [{ tool: 'book_hotel', args: { city: 'Paris', nights: 2 } }] },
    },
  ],
};

interface Outcome {
  pass: boolean;
  reason?: FailureReason;
  detail?: string;
  text?: string;
}

const CITY: Record<string, string> = { 'weather-iso': 'Lisbon', 'weather-date-words': 'Oslo', 'hotel-nights': 'Paris' };

function result(caseId: string, model: string, o: Outcome, repeat = 0): CaseResult {
  const claude = model.startsWith('anthropic/');
  return {
    caseId,
    model,
    repeat,
    pass: o.pass,
    reason: o.pass ? null : (o.reason ?? 'value_error'),
    detail: o.pass ? null : (o.detail ?? 'args.date: expected "2026-12-05", got "December 5"'),
    toolCalls: caseId.startsWith('smalltalk')
      ? o.pass
        ? []
        : [{ name: 'book_hotel', arguments: { city: 'Rome' }, rawArguments: '{"city":"Rome"}' }]
      : [
          {
            name: caseId.startsWith('hotel') ? 'book_hotel' : 'get_weather',
            arguments: { city: CITY[caseId] ?? 'Oslo', date: o.pass ? '2026-12-05' : 'December 5' },
            rawArguments: '',
          },
        ],
    text: o.text ?? '',
    latencyMs: claude ? 1480 : 320 + repeat * 10,
    usage: { inputTokens: 400, outputTokens: 20, cachedInputTokens: 0 },
    // Claude's price is unknown in these fixtures: its cost must read "unknown", never $0.00.
    costUsd: claude ? null : 0.00012,
    cached: false,
  };
}

const PASS: Outcome = { pass: true };
const DATE: Outcome = { pass: false, reason: 'value_error' };
const TALKY: Outcome = {
  pass: false,
  reason: 'unexpected_call',
  detail: `expected no tool call, got book_hotel({"city":"Rome"}) ${HOSTILE}`,
  text: `Sure! ${HOSTILE}`,
};

/** Base prompt: weather-iso passes, date words fail, small talk fails on GPT, the hotel fails on Claude. */
function baseResults(repeat = 0): CaseResult[] {
  const [gpt, claude] = MODELS as [string, string];
  return [
    result('weather-iso', gpt, PASS, repeat),
    result('weather-iso', claude, PASS, repeat),
    result('weather-date-words', gpt, DATE, repeat),
    result('weather-date-words', claude, DATE, repeat),
    result('smalltalk-thanks', gpt, TALKY, repeat),
    result('smalltalk-thanks', claude, PASS, repeat),
    result('hotel-nights', gpt, PASS, repeat),
    result('hotel-nights', claude, { pass: false, reason: 'missing_arg', detail: 'args.nights: missing' }, repeat),
  ];
}

/** The ISO-dates prompt: fixes the date words on both models, and breaks weather-iso on Claude. */
function rulesResults(): CaseResult[] {
  const claude = MODELS[1];
  return baseResults().map((r) => {
    if (r.caseId === 'weather-date-words') return result(r.caseId, r.model, PASS);
    if (r.caseId === 'weather-iso' && r.model === claude)
      return result(r.caseId, r.model, { pass: false, reason: 'wrong_tool', detail: 'expected a call to get_weather' });
    return r;
  });
}

function run(
  label: string,
  title: string,
  text: string,
  results: CaseResult[],
  repeat = 1,
  partial: string | null = null,
): RunInput {
  return {
    label,
    title,
    text,
    partial,
    summary: summarize(
      results,
      MODELS,
      SUITE.cases.map((c) => c.id),
      repeat,
    ),
  };
}

const FINISHED = new Date('2026-12-01T12:00:00Z');

export function singleReport(): EvalReportView {
  return buildReportView({
    suite: SUITE,
    suiteFile: SUITE.file,
    models: MODELS,
    repeat: 1,
    runs: [run('', 'base-prompt.md', BASE_PROMPT, baseResults())],
    finishedAt: FINISHED,
  });
}

/** Three tries per case: the second try of weather-iso on GPT fails, so its pass^3 breaks. */
export function repeatReport(): EvalReportView {
  const results = [0, 1, 2].flatMap((k) =>
    baseResults(k).map((r) =>
      k === 1 && r.caseId === 'weather-iso' && r.model === MODELS[0] ? result(r.caseId, r.model, DATE, 1) : r,
    ),
  );
  return buildReportView({
    suite: SUITE,
    suiteFile: SUITE.file,
    models: MODELS,
    repeat: 3,
    runs: [run('', 'base-prompt.md', BASE_PROMPT, results, 3)],
    finishedAt: FINISHED,
  });
}

export function compareReport(): EvalReportView {
  return buildReportView({
    suite: SUITE,
    suiteFile: SUITE.file,
    models: MODELS,
    repeat: 1,
    runs: [
      run('A', 'base-prompt.md', BASE_PROMPT, baseResults()),
      run('B', 'rules-prompt.md', RULES_PROMPT, rulesResults()),
    ],
    finishedAt: FINISHED,
  });
}
