import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  createMemoryResponseCache,
  createStoreResponseCache,
  formatCacheStats,
} from '../../src/core/models/responseCache';
import { flushAllStores, storeCommitCount } from '../../src/core/store/groupCommit';
import type { Store } from '../../src/core/store/store';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { until } from '../support/until';

const result = (model: string, text: string, latencyMs = 100) => ({
  model,
  text,
  toolCalls: [],
  usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0 },
  latencyMs,
});

// The fs module object itself (an import's namespace is read-only), so a test can count the store's fdatasyncs.
const fs = createRequire(__filename)('node:fs') as { fdatasyncSync(fd: number): void };

describe('response cache: group commits, stats and clear', () => {
  let dir: string;
  const open = (groupCommitMs?: number) =>
    openWorkspaceStore({ dir, ...(groupCommitMs !== undefined ? { groupCommitMs } : {}) });
  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'pt-rcache-')), '.prompt-tuner');
  });

  it('buffers puts: no commit per call, read-your-writes, one commit per flush', async () => {
    const store = await open(60_000);
    try {
      const cache = createStoreResponseCache(store);
      const before = storeCommitCount();
      const now = new Date('2026-11-01T10:00:00.000Z');
      for (let i = 0; i < 50; i++) cache.put(`k${i}`, result('openai/a', `answer ${i}`, 100 + i), now);
      cache.put(null, result('openai/a', 'not cached', 200), now);
      assert.equal(storeCommitCount() - before, 0, 'nothing committed on the hot path');
      const hit = cache.get('k7');
      assert.equal(hit?.text, 'answer 7');
      assert.equal(hit.createdAt, '2026-11-01T10:00:00.000Z');
      assert.equal(cache.meanLatencyMs('openai/a'), (50 * 100 + (49 * 50) / 2 + 200) / 51);
      cache.flush();
      assert.equal(storeCommitCount() - before, 1, 'one group commit');
      assert.equal(cache.get('k7')?.createdAt, '2026-11-01T10:00:00.000Z', 'read back from the store');
      assert.equal(cache.meanLatencyMs('openai/a'), (50 * 100 + (49 * 50) / 2 + 200) / 51, 'not counted twice');
    } finally {
      await store.close();
    }
  });

  it('commits on its own within groupCommitMs, and close() commits what is left', async () => {
    let store: Store = await open(20);
    const cache = createStoreResponseCache(store);
    const before = storeCommitCount();
    cache.put('timed', result('openai/a', 'by the timer'), new Date());
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(storeCommitCount() - before, 1);
    createStoreResponseCache(store).put('at-close', result('openai/a', 'by close'), new Date());
    await store.close();
    store = await open();
    try {
      const reopened = createStoreResponseCache(store);
      assert.equal(reopened.get('timed')?.text, 'by the timer');
      assert.equal(reopened.get('at-close')?.text, 'by close');
      assert.equal(reopened.meanLatencyMs('openai/a'), 100);
    } finally {
      await store.close();
    }
  });

  it("the timer's group commit does not fdatasync on the event loop; flush(), write() and close() do", async () => {
    // The store calls fs.fdatasyncSync through the module object, so counting it here sees every blocking sync.
    const real = fs.fdatasyncSync;
    let blocking = 0;
    fs.fdatasyncSync = (fd: number) => {
      blocking++;
      real(fd);
    };
    const store = await open(10);
    try {
      const cache = createStoreResponseCache(store);
      const commits = storeCommitCount();
      blocking = 0; // opening a new store made its schema, durably
      cache.put('by-timer', result('openai/a', 'timer'), new Date());
      await until(() => storeCommitCount() > commits, 'the group commit');
      assert.equal(blocking, 0, 'no fdatasync on the event loop for a group commit');
      // Another process sees it at once: the record is in the journal, only its fsync runs on the thread pool.
      const other = await open();
      try {
        assert.equal(createStoreResponseCache(other).get('by-timer')?.text, 'timer');
      } finally {
        await other.close();
      }
      blocking = 0;
      cache.put('by-flush', result('openai/a', 'flush'), new Date());
      store.flush();
      assert.equal(blocking, 1, 'flush() is durable when it returns');
      blocking = 0;
      store.write((tx) => tx.run("DELETE FROM model_cache WHERE key = 'none'"));
      assert.equal(blocking, 1, 'write() is durable when it returns');
      blocking = 0;
      cache.put('by-close', result('openai/a', 'close'), new Date());
      await store.close();
      assert.equal(blocking, 1, 'close() makes its last group commit durable');
    } finally {
      fs.fdatasyncSync = real;
      await store.close();
    }
  });

  it('a write() after queued writes commits them first, in order', async () => {
    const store = await open(60_000);
    try {
      const cache = createStoreResponseCache(store);
      cache.put('k', result('openai/a', 'queued'), new Date());
      store.write((tx) => tx.run("UPDATE model_cache SET model = 'rewritten' WHERE key = 'k'"));
      assert.equal(store.get<{ model: string }>("SELECT model FROM model_cache WHERE key = 'k'")?.model, 'rewritten');
    } finally {
      await store.close();
    }
  });

  it('flushAllStores commits queued writes of every open store (a second Ctrl-C)', async () => {
    const store = await open(60_000);
    try {
      createStoreResponseCache(store).put('k', result('openai/a', 'saved on exit'), new Date());
      const before = storeCommitCount();
      flushAllStores();
      assert.equal(storeCommitCount() - before, 1);
      assert.equal(store.get<{ n: number }>('SELECT COUNT(*) AS n FROM model_cache')?.n, 1);
    } finally {
      await store.close();
    }
  });

  it('stats counts entries per model with their ages and size; clear removes old entries or all', async () => {
    const store = await open();
    try {
      const cache = createStoreResponseCache(store);
      cache.put('old', result('openai/a', 'x'), new Date('2026-10-01T00:00:00.000Z'));
      cache.put('mid', result('openai/a', 'y'), new Date('2026-10-20T00:00:00.000Z'));
      cache.put('new', result('anthropic/b', 'z'), new Date('2026-11-01T00:00:00.000Z'));
      const stats = cache.stats();
      assert.equal(stats.entries, 3);
      assert.deepEqual(stats.byModel, [
        { model: 'openai/a', entries: 2 },
        { model: 'anthropic/b', entries: 1 },
      ]);
      assert.equal(stats.oldest, '2026-10-01T00:00:00.000Z');
      assert.equal(stats.newest, '2026-11-01T00:00:00.000Z');
      assert.equal(
        stats.bytes,
        3 * JSON.stringify(result('openai/a', 'x')).length + 'anthropic/b'.length - 'openai/a'.length,
      );
      const text = formatCacheStats(stats, new Date('2026-11-02T00:00:00.000Z'));
      assert.match(text, /^3 cached answers, .* oldest 32 days old .* newest 24 h old/);
      assert.match(text, /openai\/a\s+2/);

      assert.equal(cache.clear({ olderThan: new Date('2026-10-15T00:00:00.000Z') }), 1);
      assert.equal(cache.get('old'), undefined);
      assert.equal(cache.stats().entries, 2);
      assert.equal(cache.clear(), 2);
      assert.equal(cache.stats().entries, 0);
      assert.equal(cache.meanLatencyMs('openai/a'), 100, 'latency is kept');
      assert.equal(formatCacheStats(cache.stats(), new Date()), 'The response cache is empty.\n');
    } finally {
      await store.close();
    }
  });

  it('the memory cache has the same stats and clear', () => {
    const cache = createMemoryResponseCache();
    cache.put('a', result('m/1', 'x'), new Date('2026-10-01T00:00:00.000Z'));
    cache.put('b', result('m/1', 'y'), new Date('2026-11-01T00:00:00.000Z'));
    assert.equal(cache.get('a')?.createdAt, '2026-10-01T00:00:00.000Z');
    assert.deepEqual(cache.stats().byModel, [{ model: 'm/1', entries: 2 }]);
    assert.equal(cache.clear({ olderThan: new Date('2026-10-15T00:00:00.000Z') }), 1);
    assert.equal(cache.size(), 1);
  });
});
