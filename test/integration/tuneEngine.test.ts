// The tuning engine end to end: the real gateway (openai SDK) against the simulator, the real store and library.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LibraryRepository } from '../../src/core/library/libraryRepository';
import { createCliGateway } from '../../src/core/models/cliGateway';
import { type Store } from '../../src/core/store/store';
import { loadSuite } from '../../src/core/suites/loadSuite';
import type { Suite } from '../../src/core/suites/suiteSchema';
import { parseTuneConfig, type TuneConfigInput } from '../../src/core/tuning/config';
import { startTuning, type TuneJob } from '../../src/core/tuning/engine';
import { TuneRunsRepository } from '../../src/core/tuning/runsRepository';
import type { TuneEvent, TuneRunSnapshot } from '../../src/core/tuning/types';
import { startSimulator, type Simulator } from '../sim/server';
import { openWorkspaceStore } from '../../src/core/workspaceStore';

const SUITE_FILE = path.join(__dirname, '..', '..', 'examples', 'travel-desk.suite.json');
const BASE = 'You are a helpful travel assistant.';

interface Outcome {
  final: TuneRunSnapshot;
  events: TuneEvent[];
  job: TuneJob;
  dir: string;
  library: LibraryRepository;
  store: Store;
}

describe('tuning engine against the simulator', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let suite: Suite;
  const cases = () => suite.cases.length;
  before(async () => {
    sim = await startSimulator();
    suite = await loadSuite(SUITE_FILE, 'examples/travel-desk.suite.json');
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  async function tune(
    over: Partial<TuneConfigInput>,
    opts: {
      env?: Record<string, string>;
      budgetCalls?: number;
      during?: (job: TuneJob, e: TuneEvent) => void;
      keepOpen?: boolean;
    } = {},
  ): Promise<Outcome> {
    const ws = mkdtempSync(path.join(tmpdir(), 'pt-tune-'));
    const dir = path.join(ws, '.prompt-tuner');
    const store = await openWorkspaceStore({ dir });
    const library = new LibraryRepository(store);
    const gateway = createCliGateway({
      env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'sim-key', ...opts.env },
      workspace: ws,
      store,
      concurrency: 8,
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      ...(opts.budgetCalls !== undefined ? { budgetCalls: opts.budgetCalls } : {}),
    });
    const config = parseTuneConfig({
      suiteFile: SUITE_FILE,
      mode: 'quick',
      metaModel: 'openai/sim-1',
      targetModels: ['openai/sim-1'],
      basePrompt: BASE,
      ...over,
    });
    const job = startTuning(config, { suite, gateway, store, library });
    const events: TuneEvent[] = [];
    job.onEvent((e) => {
      events.push(e);
      opts.during?.(job, e);
    });
    const final = await job.done;
    await gateway.onIdle();
    if (!opts.keepOpen) await store.close();
    return { final, events, job, dir, library, store };
  }

  let quickBest = 0;

  it('quick beats the base prompt and makes exactly the estimated calls; the best is saved to the library', async () => {
    const { final, job, library, store } = await tune({ mode: 'quick', population: 6 }, { keepOpen: true });
    try {
      assert.equal(final.status, 'completed');
      assert.ok(final.baseScore !== null && final.best);
      assert.ok(final.best.score > final.baseScore, `quick ${final.best.score} > base ${final.baseScore}`);
      quickBest = final.best.score;
      const c = sim.counters();
      assert.equal(c.calls, job.estimate.calls + final.metaRetries! - final.skippedChildren! * cases());
      assert.equal(c.byMode.meta, 5 + final.metaRetries!);
      assert.equal(c.byMode.target, (6 - final.skippedChildren!) * cases());
      assert.equal(final.callsDone, c.calls);
      const saved = library.resolve({ name: 'Travel desk (tuned)' });
      assert.ok(saved);
      assert.equal(saved.text, final.best.text);
      assert.equal(saved.source, 'tuned');
      assert.equal(saved.runId, final.runId);
      assert.equal(saved.score, final.best.score);
      assert.deepEqual(final.savedVersion, { id: saved.id, name: 'Travel desk (tuned)', version: saved.version });
    } finally {
      await store.close();
    }
  });

  it('a run with no retries makes exactly the number of calls its estimate said (simulator counters)', async () => {
    // Population 3: two variants whose strategies add two different rules: no duplicate, no retry.
    const { final, job } = await tune({ mode: 'evolutionary', population: 3, generations: 2, selectionRatio: 0.5 });
    assert.equal(final.status, 'completed');
    assert.equal(final.metaRetries, 0, `no retries in this configuration (notes: ${(final.notes ?? []).join(' | ')})`);
    assert.equal(sim.counters().calls, job.estimate.calls);
    assert.equal(final.callsDone, job.estimate.calls);
  });

  it('evolutionary reaches at least the quick score at the same population; survivors are the top ones and are not re-evaluated', async () => {
    const { final, job } = await tune({ mode: 'evolutionary', population: 6, generations: 3, selectionRatio: 0.5 });
    assert.equal(final.status, 'completed');
    assert.ok(final.best && final.baseScore !== null);
    assert.ok(final.best.score > final.baseScore);
    assert.ok(final.best.score >= quickBest, `evolutionary ${final.best.score} ≥ quick ${quickBest}`);
    for (let g = 0; g < 2; g++) {
      const gen = final.generations[g]!;
      const scores = gen.candidates.map((c) => c.score!).sort((a, b) => b - a);
      const survivors = gen.candidates.filter((c) => c.survived);
      assert.equal(survivors.length, 3);
      // Every survivor scores at least as well as every candidate that did not survive.
      const cut = scores[2]!;
      for (const s of survivors) assert.ok(s.score! >= cut);
      for (const c of gen.candidates.filter((x) => !x.survived)) assert.ok(c.score! <= cut);
      const carried = final.generations[g + 1]!.candidates.filter((c) => c.origin === 'survivor');
      assert.deepEqual(
        carried.map((c) => c.parentIds[0]).sort(),
        survivors.map((s) => (s.origin === 'survivor' ? s.parentIds[0] : s.id)).sort(),
      );
    }
    // Target calls = only the candidates that were evaluated (6 + 3 + 3, minus skips): survivors are never re-run.
    const c = sim.counters();
    assert.equal(c.byMode.target, (12 - final.skippedChildren!) * cases());
    assert.equal(c.calls, job.estimate.calls + final.metaRetries! - final.skippedChildren! * cases());
  });

  it('cancel in the middle of a generation keeps partial results in the store', async () => {
    sim.configure({ latencyMs: 15 });
    let results = 0;
    const { final, events, dir } = await tune(
      { mode: 'quick', population: 4 },
      {
        during: (job, e) => {
          if (e.type === 'prompt_eval_result' && ++results === 2) job.cancel('stop here');
        },
      },
    );
    assert.equal(final.status, 'cancelled');
    assert.equal(events.at(-1)!.type, 'tune_cancelled');
    const callsAtEnd = sim.counters().calls;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(sim.counters().calls, callsAtEnd, 'no new call after the run ended');
    // Reopen the store from disk, as a new window would.
    const store = await openWorkspaceStore({ dir });
    try {
      const snap = new TuneRunsRepository(store).getSnapshot(final.runId)!;
      assert.equal(snap.status, 'cancelled');
      const scored = snap.generations[0]!.candidates.filter((c) => c.score !== null);
      assert.equal(scored.length, 2);
      assert.ok(snap.best && scored.some((c) => c.id === snap.best!.candidateId));
      const stored = new TuneRunsRepository(store).caseResults(final.runId);
      assert.ok(stored.length >= 2 * cases(), 'the finished candidates’ case results are stored');
      assert.equal(
        new LibraryRepository(store).resolve({ name: 'Travel desk (tuned)' }),
        undefined,
        'a cancelled run saves nothing',
      );
    } finally {
      await store.close();
    }
  });

  it('a best prompt saved after a cancelled run is remembered in the stored run', async () => {
    let results = 0;
    const {
      final,
      dir,
      library,
      store: openStore,
    } = await tune(
      { mode: 'quick', population: 3 },
      {
        keepOpen: true,
        during: (job, e) => {
          if (e.type === 'prompt_eval_result' && ++results === 1) job.cancel('stop here');
        },
      },
    );
    assert.equal(final.status, 'cancelled');
    assert.equal(final.savedVersion, null);
    const saved = library.addVersion({
      name: 'Saved later',
      text: final.best!.text,
      source: 'tuned',
      runId: final.runId,
    });
    new TuneRunsRepository(openStore).recordSavedVersion(final.runId, {
      id: saved.id,
      name: saved.promptName,
      version: saved.version,
    });
    await openStore.close();
    const store = await openWorkspaceStore({ dir });
    try {
      const snap = new TuneRunsRepository(store).getSnapshot(final.runId)!;
      assert.deepEqual(snap.savedVersion, { id: saved.id, name: 'Saved later', version: 1 });
      assert.equal(snap.status, 'cancelled', 'the rest of the run is unchanged');
    } finally {
      await store.close();
    }
  });

  it('meta-model failure (500) ends in tune_error with the reason', async () => {
    const { final, events } = await tune({ metaModel: 'openai/fail-500' });
    assert.equal(final.status, 'failed');
    const last = events.at(-1)!;
    assert.equal(last.type, 'tune_error');
    assert.match(final.error ?? '', /500/);
    assert.equal(last.error, final.error);
  });

  it('a refused key (401) ends in tune_error saying what to fix', async () => {
    const { final } = await tune({}, { env: { OPENAI_API_KEY: 'bad-key' } });
    assert.equal(final.status, 'failed');
    assert.match(final.error ?? '', /^401 from openai: check the key/);
  });

  it('target-model failure ends in tune_error with the reason', async () => {
    const { final } = await tune({ targetModels: ['openai/sim-1', 'openai/fail-400'] });
    assert.equal(final.status, 'failed');
    assert.match(final.error ?? '', /400/);
  });

  it('budget reached → budget_reached with partial results', async () => {
    const { final, events } = await tune({ mode: 'quick', population: 3 }, { budgetCalls: 2 + cases() + 5 });
    assert.equal(final.status, 'budget_reached');
    const last = events.at(-1)!;
    assert.equal(last.type === 'tune_error' && last.status, 'budget_reached');
    assert.ok(final.best, 'the best so far is kept');
    assert.ok(final.generations[0]!.candidates.some((c) => c.score !== null));
  });
});
