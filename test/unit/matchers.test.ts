import { strict as assert } from 'node:assert';
import { describeExpected, isMatcher, matchValue } from '../../src/core/suites/matchers';

const ok = (expected: unknown, actual: unknown) =>
  assert.equal(
    matchValue(expected, actual, 'args.x'),
    null,
    `${JSON.stringify(expected)} should accept ${JSON.stringify(actual)}`,
  );
const no = (expected: unknown, actual: unknown, detail?: RegExp) => {
  const m = matchValue(expected, actual, 'args.x');
  assert.notEqual(m, null, `${JSON.stringify(expected)} should refuse ${JSON.stringify(actual)}`);
  if (detail) assert.match(m!, detail);
};

describe('matchers', () => {
  describe('literal', () => {
    it('compares strings trimmed and case-insensitively', () => {
      ok('Lisbon', 'lisbon');
      ok('Lisbon', '  LISBON ');
      ok('New York', 'new york');
      no('Lisbon', 'Lisboa', /^args\.x: expected "Lisbon", got "Lisboa"$/);
      no('2026-12-05', 'December 5', /^args\.x: expected "2026-12-05", got "December 5"$/);
    });
    it('compares numbers by value and never a number with a string', () => {
      ok(2, 2.0);
      ok(0.5, 0.5);
      no(2, 3, /expected 2, got 3/);
      no(2, '2', /expected 2, got "2"/);
      no('2', 2);
    });
    it('compares booleans and null exactly', () => {
      ok(true, true);
      no(true, 'true');
      ok(null, null);
      no(null, 0);
    });
    it('compares arrays item by item, in order', () => {
      ok(['a', 'B'], ['A', 'b']);
      no(['a', 'b'], ['b', 'a'], /args\.x\[0\]: expected "a", got "b"/);
      no(['a'], ['a', 'b'], /expected 1 item\(s\)/);
      no(['a'], 'a');
    });
    it('compares objects key by key, with nested matchers, and refuses extra keys', () => {
      ok({ from: 'Lisbon', seats: { min: 1 } }, { from: 'lisbon', seats: 2 });
      no({ from: 'Lisbon' }, { from: 'Porto' }, /^args\.x\.from: expected "Lisbon", got "Porto"$/);
      no({ from: 'Lisbon' }, {}, /^args\.x\.from: missing \(expected "Lisbon"\)$/);
      no({ from: 'Lisbon' }, { from: 'Lisbon', to: 'Rome' }, /^args\.x\.to: unexpected key/);
      ok({ from: 'Lisbon', via: { absent: true } }, { from: 'Lisbon' });
      no({ from: 'Lisbon' }, 'Lisbon');
    });
  });

  describe('oneOf', () => {
    it('accepts any listed literal (with literal rules)', () => {
      ok({ oneOf: ['Rome', 'Roma'] }, 'roma');
      ok({ oneOf: [1, 2] }, 2);
      no({ oneOf: ['Rome', 'Roma'] }, 'Milan', /^args\.x: expected one of "Rome", "Roma", got "Milan"$/);
    });
  });

  describe('regex', () => {
    it('tests the trimmed string', () => {
      ok({ regex: '^\\d{4}-\\d{2}-\\d{2}$' }, ' 2026-12-05 ');
      no(
        { regex: '^\\d{4}-\\d{2}-\\d{2}$' },
        'Dec 5',
        /^args\.x: expected a string matching \/\^\\d\{4\}-\\d\{2\}-\\d\{2\}\$\/, got "Dec 5"$/,
      );
    });
    it('is case-sensitive unless flags say otherwise', () => {
      no({ regex: '^lisbon$' }, 'Lisbon');
      ok({ regex: '^lisbon$', flags: 'i' }, 'Lisbon');
    });
    it('refuses non-strings', () => {
      no({ regex: '5' }, 5, /got 5/);
    });
  });

  describe('min/max', () => {
    it('bounds are inclusive and either may be left out', () => {
      ok({ min: 1, max: 4 }, 1);
      ok({ min: 1, max: 4 }, 4);
      ok({ min: 1, max: 4 }, 2.5);
      no({ min: 1, max: 4 }, 5, /^args\.x: expected a number from 1 to 4, got 5$/);
      no({ min: 1, max: 4 }, 0);
      no({ min: 250, max: 250 }, 249, /^args\.x: expected the number 250, got 249$/);
      ok({ min: 10 }, 1e6);
      no({ min: 10 }, 9, /a number ≥ 10/);
      ok({ max: 0 }, -3);
      no({ max: 0 }, 1, /a number ≤ 0/);
    });
    it('refuses non-numbers', () => {
      no({ min: 1 }, '3', /got "3"/);
    });
  });

  describe('any / absent', () => {
    it('any accepts every present value', () => {
      ok({ any: true }, null);
      ok({ any: true }, 'x');
      ok({ any: true }, { a: 1 });
    });
    it('absent refuses every present value', () => {
      no({ absent: true }, null, /expected no value \(absent\), got null/);
      no({ absent: true }, 'x');
    });
  });

  it('tells matchers from literal objects', () => {
    assert.equal(isMatcher({ regex: 'a' }), true);
    assert.equal(isMatcher({ city: 'a' }), false);
    assert.equal(isMatcher('a'), false);
    assert.equal(describeExpected({ any: true }), 'any value');
  });
});
