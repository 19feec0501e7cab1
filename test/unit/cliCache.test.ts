import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main';
import { createStoreResponseCache } from '../../src/core/models/responseCache';
import { storeCommitCount } from '../../src/core/store/groupCommit';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { startSimulator, type Simulator } from '../sim/server';

const ROOT = join(__dirname, '..', '..');
const SUITE = join(ROOT, 'examples', 'travel-desk.suite.json');

describe('cli: the response cache and group commits', function () {
  this.timeout(60_000);
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ latencyMs: 5 });
  });
  after(async () => {
    await sim.close();
  });

  async function cli(ws: string, ...argv: string[]) {
    let out = '';
    let err = '';
    const code = await runCli([...argv, '--workspace', ws], {
      out: (t) => (out += t),
      err: (t) => (err += t),
      cwd: ROOT,
      env: { OPENAI_API_KEY: 'sk-sim', OPENAI_BASE_URL: sim.openaiBaseUrl },
      signal: new AbortController().signal,
    });
    return { code, out, err };
  }
  const evalArgs = ['eval', '--suite', SUITE, '--prompt', 'You are a travel assistant.', '--model', 'openai/sim-1'];

  it('an eval of N calls with --no-cache makes far fewer than N store commits', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'pt-cli-cache-'));
    // The first open creates the store (migrations); count only the run itself.
    await (await openWorkspaceStore({ dir: join(ws, '.prompt-tuner') })).close();
    sim.reset();
    const before = storeCommitCount();
    const r = await cli(ws, ...evalArgs, '--repeat', '5', '--concurrency', '8', '--no-cache', '--json');
    assert.equal(r.code, 0, r.err);
    const calls = sim.counters().calls;
    assert.equal(calls, 80);
    const commits = storeCommitCount() - before;
    assert.ok(commits >= 1, 'latency is still saved');
    assert.ok(commits <= calls / 4, `${commits} commits for ${calls} calls`);
    const store = await openWorkspaceStore({ dir: join(ws, '.prompt-tuner') });
    try {
      assert.ok(createStoreResponseCache(store).meanLatencyMs('openai/sim-1')! > 0, 'latency reached the store');
      assert.equal(createStoreResponseCache(store).stats().entries, 0, '--no-cache stores no answers');
    } finally {
      await store.close();
    }
  });

  it('reports how many answers came from the cache and how old they are (text and --json)', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'pt-cli-cache-'));
    const first = await cli(ws, ...evalArgs);
    assert.equal(first.code, 0, first.err);
    assert.doesNotMatch(first.out, /came from the response cache/);
    const second = await cli(ws, ...evalArgs);
    assert.match(second.out, /^16 of 16 answers came from the response cache \(made \d+ s ago\)/m);
    const json = JSON.parse((await cli(ws, ...evalArgs, '--json')).out) as {
      cacheHits: number;
      cache: { hits: number; oldestAt: string | null; newestAt: string | null };
      cases: { cached: boolean; cachedAt: string | null }[];
    };
    assert.equal(json.cache.hits, 16);
    assert.ok(json.cache.oldestAt !== null && Date.now() - Date.parse(json.cache.oldestAt) < 60_000);
    assert.ok(json.cases.every((c) => c.cached && c.cachedAt !== null));
  });

  it('cache stats and cache clear [--older-than] report and remove what the runs stored', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'pt-cli-cache-'));
    const empty = await cli(ws, 'cache', 'stats');
    assert.equal(empty.code, 0, empty.err);
    assert.equal(empty.out, 'The response cache is empty.\n');
    assert.equal(existsSync(join(ws, '.prompt-tuner')), false, 'stats of a workspace without a store creates none');

    assert.equal((await cli(ws, ...evalArgs)).code, 0);
    const stats = await cli(ws, 'cache', 'stats', '--json');
    const parsed = JSON.parse(stats.out) as { entries: number; byModel: { model: string; entries: number }[] };
    assert.equal(parsed.entries, 16);
    assert.deepEqual(parsed.byModel, [{ model: 'openai/sim-1', entries: 16 }]);
    assert.match((await cli(ws, 'cache', 'stats')).out, /^16 cached answers, .*\n {2}openai\/sim-1 {2}16\n$/);

    const kept = await cli(ws, 'cache', 'clear', '--older-than', '1');
    assert.equal(kept.out, 'Removed 0 cached answers older than 1 day; 16 left.\n');
    const cleared = await cli(ws, 'cache', 'clear', '--json');
    assert.deepEqual(JSON.parse(cleared.out), { removed: 16, remaining: 0 });

    const bad = await cli(ws, 'cache', 'clear', '--older-than', 'soon');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--older-than: expected a number, got "soon"/);
    const negative = await cli(ws, 'cache', 'clear', '--older-than=-1');
    assert.equal(negative.code, 2);
    assert.match(negative.err, /--older-than: must be at least 0/);
    const nowhere = await cli(join(ws, 'nowhere'), 'cache', 'stats');
    assert.equal(nowhere.code, 2);
    assert.match(nowhere.err, /--workspace: no such folder/);
  });
});
