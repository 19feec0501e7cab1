// `prompt-tuner tune` through runCli against the simulator: flags, outputs, exit codes, Ctrl-C.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LibraryRepository } from '../../src/core/library/libraryRepository';
import { TuneRunsRepository } from '../../src/core/tuning/runsRepository';
import { startSimulator, type Simulator } from '../sim/server';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { runCliInProcess, simEnv, type CliRun } from '../support/cliHarness';

const SUITE = path.join(__dirname, '..', '..', 'examples', 'travel-desk.suite.json');

type Ran = CliRun & { ws: string };

describe('prompt-tuner tune (CLI) against the simulator', function () {
  this.timeout(60_000);
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  async function cli(
    args: string[],
    opts: { ws?: string; onOut?: (text: string, abort: () => void) => void; env?: Record<string, string> } = {},
  ): Promise<Ran> {
    const ws = opts.ws ?? mkdtempSync(path.join(tmpdir(), 'pt-tune-cli-'));
    const ran = await runCliInProcess(args, {
      cwd: ws,
      env: { ...simEnv(sim), ...opts.env },
      ...(opts.onOut ? { onOut: opts.onOut } : {}),
    });
    return { ...ran, ws };
  }

  const base = ['tune', '--suite', SUITE, '--meta-model', 'openai/sim-1', '--model', 'openai/sim-1'];

  it('--help lists every flag of issue 4', async () => {
    const { code, out } = await cli(['tune', '--help']);
    assert.equal(code, 0);
    for (const flag of [
      '--suite',
      '--mode',
      '--meta-model',
      '--model',
      '--base-prompt-file',
      '--base-prompt',
      '--base-library',
      '--population',
      '--generations',
      '--selection-ratio',
      '--validation-split',
      '--concurrency',
      '--budget-usd',
      '--no-cache',
      '--estimate',
      '--json',
      '--events',
      '--workspace',
    ]) {
      assert.ok(out.includes(flag), `help mentions ${flag}`);
    }
  });

  it('bad configuration exits 2 naming the flag, and writes nothing', async () => {
    for (const [args, flag] of [
      [[...base, '--mode', 'quick', '--population', '25'], '--population'],
      [[...base, '--mode', 'evolutionary', '--selection-ratio', '0.95'], '--selection-ratio'],
      [[...base, '--mode', 'evolutionary', '--generations', '0'], '--generations'],
      [[...base, '--mode', 'quick', '--validation-split', '0.7'], '--validation-split'],
      [[...base, '--mode', 'fast'], '--mode'],
      [['tune', '--suite', SUITE, '--mode', 'quick', '--model', 'openai/sim-1'], '--meta-model'],
      [
        ['tune', '--suite', SUITE, '--mode', 'quick', '--meta-model', 'gpt-4o', '--model', 'openai/sim-1'],
        '--meta-model',
      ],
      [[...base, '--mode', 'quick', '--base-prompt', 'x', '--base-prompt-file', 'y'], '--base-prompt'],
      [[...base, '--mode', 'quick', '--meta-model', 'nowhere/x'], '--meta-model'],
    ] as const) {
      const r = await cli([...args]);
      assert.equal(r.code, 2, `${args.join(' ')} → exit 2 (${r.err})`);
      assert.ok(r.err.includes(flag), `message names ${flag}: ${r.err}`);
      if (flag !== '--meta-model' || !args.includes('nowhere/x'))
        assert.equal(existsSync(path.join(r.ws, '.prompt-tuner')), false, 'nothing written');
    }
    assert.equal(sim.counters().calls, 0);
  });

  it('--estimate --json prints { calls, seconds, warning } without calling a model or writing anything', async () => {
    const r = await cli([...base, '--mode', 'quick', '--population', '6', '--estimate', '--json']);
    assert.equal(r.code, 0);
    const e = JSON.parse(r.out) as { calls: number; seconds: number; warning: string | null };
    assert.equal(e.calls, 5 + 6 * 16);
    assert.ok(e.seconds > 0);
    assert.match(e.warning ?? '', /more than 100/);
    assert.equal(sim.counters().calls, 0);
    assert.equal(existsSync(path.join(r.ws, '.prompt-tuner')), false);
    const human = await cli([
      ...base,
      '--mode',
      'evolutionary',
      '--population',
      '3',
      '--generations',
      '2',
      '--estimate',
    ]);
    assert.match(human.out, /^67 API calls, ~\d+s/);
  });

  it('--json prints the final result and saves the best prompt to the library', async () => {
    const r = await cli([...base, '--mode', 'evolutionary', '--population', '3', '--generations', '2', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as {
      runId: string;
      bestPrompt: string;
      bestScore: number;
      baseScore: number;
      validationScore: number | null;
      generations: { number: number; candidates: { id: string; survived: boolean }[] }[];
      calls: number;
      costUsd: number | null;
      libraryVersion: { id: number; name: string; version: number };
    };
    assert.ok(j.bestScore > j.baseScore);
    assert.equal(j.validationScore, null);
    assert.equal(j.generations.length, 2);
    assert.equal(j.calls, sim.counters().calls);
    assert.equal(j.costUsd, null, 'simulator models have no known price: unknown, never 0');
    assert.equal(j.libraryVersion.name, 'Travel desk (tuned)');
    const store = await openWorkspaceStore({ dir: path.join(r.ws, '.prompt-tuner') });
    try {
      const v = new LibraryRepository(store).getVersion(j.libraryVersion.id)!;
      assert.equal(v.text, j.bestPrompt);
      assert.equal(v.source, 'tuned');
      assert.equal(v.runId, j.runId);
      assert.equal(new TuneRunsRepository(store).getSnapshot(j.runId)?.status, 'completed');
    } finally {
      await store.close();
    }
  });

  it('--events streams JSON lines ending with tune_complete carrying bestPrompt and bestScore', async () => {
    const r = await cli([...base, '--mode', 'quick', '--population', '3', '--validation-split', '0.25', '--events']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            runId: string;
            bestPrompt?: string;
            bestScore?: number;
            validationScore?: number | null;
          },
      );
    assert.equal(lines[0]!.type, 'tune_start');
    const last = lines.at(-1)!;
    assert.equal(last.type, 'tune_complete');
    assert.equal(typeof last.bestPrompt, 'string');
    assert.equal(typeof last.bestScore, 'number');
    for (const t of [
      'generation_start',
      'prompt_generated',
      'prompt_eval_start',
      'prompt_eval_result',
      'generation_complete',
      'progress',
    ]) {
      assert.ok(
        lines.some((l) => l.type === t),
        `has ${t}`,
      );
    }
    assert.ok(lines.filter((l) => l.type === 'prompt_eval_result').every((l) => typeof l.validationScore === 'number'));
    assert.equal(new Set(lines.map((l) => l.runId)).size, 1);
  });

  it('the human output shows the timeline, survivors, the best prompt and its diff; --base-library saves a new version of that prompt', async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'pt-tune-cli-'));
    const add = await cli(['library', 'add', 'travel', '--text', 'You are a helpful travel assistant.'], { ws });
    assert.equal(add.code, 0, add.err);
    const r = await cli(
      [...base, '--mode', 'evolutionary', '--population', '3', '--generations', '2', '--base-library', 'travel'],
      { ws },
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Generation 1\/2/);
    assert.match(r.out, /Generation 2\/2/);
    assert.match(r.out, /survivors → generation 2: g1-p\d, g1-p\d/);
    assert.match(r.out, /survivor of g1-p\d \(score carried over, not re-evaluated\)/);
    assert.match(r.out, /Best prompt: g\d-p\d +\d+\.\d% \(base 31\.3%, \+\d+\.\d points\)/);
    assert.match(r.out, /Diff against the base prompt:\n {2}You are a helpful travel assistant\.\n\+ /);
    assert.match(r.out, /Saved to the Prompt Library as "travel" v2\./);
    const store = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
    try {
      const lib = new LibraryRepository(store);
      const tuned = lib.resolve({ name: 'travel' })!;
      assert.equal(tuned.version, 2);
      assert.equal(tuned.source, 'tuned');
      assert.equal(tuned.parentVersionId, lib.resolve({ name: 'travel', version: 1 })!.id);
    } finally {
      await store.close();
    }
  });

  it('Ctrl-C cancels: exit 130, partial results kept in the store', async () => {
    sim.configure({ latencyMs: 10 });
    let runId = '';
    const r = await cli([...base, '--mode', 'quick', '--population', '4', '--events'], {
      onOut: (t, abort) => {
        for (const line of t.trim().split('\n')) {
          const e = JSON.parse(line) as { type: string; runId: string; promptId?: string };
          runId = e.runId;
          if (e.type === 'prompt_eval_result' && e.promptId === 'g1-p2') abort();
        }
      },
    });
    assert.equal(r.code, 130, r.err);
    assert.equal((JSON.parse(r.out.trim().split('\n').at(-1)!) as { type: string }).type, 'tune_cancelled');
    const store = await openWorkspaceStore({ dir: path.join(r.ws, '.prompt-tuner') });
    try {
      const snap = new TuneRunsRepository(store).getSnapshot(runId)!;
      assert.equal(snap.status, 'cancelled');
      assert.equal(snap.generations[0]!.candidates.filter((c) => c.score !== null).length, 2);
    } finally {
      await store.close();
    }
  });

  it('a meta-model failure exits 1 with the reason', async () => {
    const r = await cli([...base, '--mode', 'quick', '--population', '2', '--meta-model', 'openai/fail-401']);
    assert.equal(r.code, 1);
    assert.match(r.err, /tuning failed: 401 from openai/);
  });
});
