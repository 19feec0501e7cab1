import { strict as assert } from 'node:assert';
import { formatAge } from '../../src/core/models/responseCache';
import { cacheAges, formatCacheLine } from '../../src/core/suites/evalReport';

describe('reports: answers from the response cache and their age', () => {
  const now = new Date('2026-11-10T12:00:00.000Z');
  const hit = (cachedAt: string) => ({ cached: true, cachedAt });
  const fresh = { cached: false };

  it('counts hits and spans their ages', () => {
    const cases = [hit('2026-11-07T12:00:00.000Z'), fresh, hit('2026-11-10T10:00:00.000Z'), fresh];
    assert.deepEqual(cacheAges(cases), {
      hits: 2,
      oldestAt: '2026-11-07T12:00:00.000Z',
      newestAt: '2026-11-10T10:00:00.000Z',
    });
    assert.equal(
      formatCacheLine(cases, now),
      '2 of 4 answers came from the response cache (made 2 h to 3 days ago); --no-cache or `prompt-tuner cache clear` for fresh ones',
    );
  });

  it('says nothing without hits, and one age when all were made together', () => {
    assert.equal(formatCacheLine([fresh, fresh], now), undefined);
    assert.deepEqual(cacheAges([fresh]), { hits: 0, oldestAt: null, newestAt: null });
    assert.match(formatCacheLine([hit('2026-11-10T11:59:20.000Z')], now) ?? '', /^1 of 1 answers .* \(made 40 s ago\)/);
  });

  it('formats ages as people say them', () => {
    assert.deepEqual([5_000, 30 * 60_000, 5 * 3_600_000, 24 * 3_600_000, 3 * 86_400_000].map(formatAge), [
      '5 s',
      '30 min',
      '5 h',
      '24 h',
      '3 days',
    ]);
  });
});
