import assert from 'node:assert/strict';
import { parseMetaReply, promptKey } from '../../src/core/tuning/parseMetaReply';
import { formatLineDiff, lineDiff } from '../../src/core/tuning/lineDiff';
import { STRATEGIES, reflectiveRequest, crossoverRequest, variantRequest } from '../../src/core/tuning/metaPrompts';

describe('meta reply parsing', () => {
  it('reads the last <prompt> block, ignoring prose around it', () => {
    assert.equal(
      parseMetaReply(
        'I will answer in <prompt>…</prompt> form.\n<prompt>\nBe exact.\nUse ISO dates.\n</prompt>\nDone.',
      ),
      'Be exact.\nUse ISO dates.',
    );
  });
  it('keeps an unclosed <prompt> cut off by the token limit', () => {
    assert.equal(parseMetaReply('<prompt>Be exact.\nUse ISO'), 'Be exact.\nUse ISO');
  });
  it('reads JSON {"prompt"}, bare or in a fence', () => {
    assert.equal(parseMetaReply('{"prompt": "Be exact."}'), 'Be exact.');
    assert.equal(parseMetaReply('Sure!\n```json\n{ "prompt": "Use tools." }\n```'), 'Use tools.');
  });
  it('reads a fenced block, then bare text without a chatty lead-in', () => {
    assert.equal(parseMetaReply('Here you go:\n```\nCall tools.\n```'), 'Call tools.');
    assert.equal(parseMetaReply("Here's the improved prompt:\nCall tools carefully."), 'Call tools carefully.');
    assert.equal(parseMetaReply('Call tools carefully.'), 'Call tools carefully.');
  });
  it('returns null for an empty reply or an empty prompt', () => {
    assert.equal(parseMetaReply('   '), null);
    assert.equal(parseMetaReply('<prompt>  </prompt>'), null);
    assert.equal(parseMetaReply('{"prompt": ""}'), null);
  });
  it('treats prompts differing only in spacing or case as the same', () => {
    assert.equal(promptKey('Be  exact.\n'), promptKey('be exact.'));
  });
});

describe('meta prompts', () => {
  it('has at least 19 distinct named strategies', () => {
    assert.ok(STRATEGIES.length >= 19);
    assert.equal(new Set(STRATEGIES).size, STRATEGIES.length);
  });
  it('follow the simulator tag contract and never offer tools', () => {
    const v = variantRequest('openai/m', 'Base.', 'add constraints');
    const user = v.messages[0]!.content;
    assert.match(user, /<current_prompt>\nBase\.\n<\/current_prompt>/);
    assert.match(user, /<strategy>add constraints<\/strategy>/);
    assert.equal(v.tools, undefined);
    const r = reflectiveRequest('openai/m', 'Base.', [
      {
        caseId: 'w1',
        model: 'openai/a',
        reason: 'value_error',
        detail: 'args.date: expected "2026-12-05"',
        input: 'Weather?',
      },
    ]);
    assert.match(
      r.messages[0]!.content,
      /<failures>\n- value_error: case w1 on openai\/a; user said "Weather\?"; args\.date: expected "2026-12-05"\n<\/failures>/,
    );
    const x = crossoverRequest('openai/m', 'A.', 'B.');
    assert.match(x.messages[0]!.content, /<parent_a>\nA\.\n<\/parent_a>[\s\S]*<parent_b>\nB\.\n<\/parent_b>/);
    assert.doesNotMatch(x.messages[0]!.content, /<current_prompt>/);
  });
});

describe('line diff', () => {
  it('marks removed and added lines and keeps the common ones', () => {
    const d = lineDiff('You help.\nBe nice.', 'You help.\nUse ISO dates.\nBe nice.');
    assert.deepEqual(d, [
      { op: ' ', line: 'You help.' },
      { op: '+', line: 'Use ISO dates.' },
      { op: ' ', line: 'Be nice.' },
    ]);
    assert.equal(formatLineDiff(lineDiff('a\nb', 'a\nc')), '  a\n- b\n+ c');
  });
});
