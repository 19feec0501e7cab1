// Honest numbers before anything is spent, and waiting that is never silent: `tune` and `eval` through runCli
// against the simulator (keys, USD caps with unknown prices, call caps, unknown costs, concurrency, timeouts).
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CliClock, CliIo } from '../../src/cli/cliTypes';
import { runCli } from '../../src/cli/main';
import { SIM_BAD_KEY, startSimulator, type Simulator } from '../sim/server';
import { ROOT, simEnv } from '../support/cliHarness';

const SUITE = path.join(ROOT, 'examples', 'travel-desk.suite.json');
const MODEL = 'openai/sim-1';

interface Ran {
  code: number;
  out: string;
  err: string;
  ws: string;
}

/** A clock where a second passes every real millisecond, so a 10 s silence takes 10 ms. */
const fastClock: CliClock = {
  now: () => performance.now() * 1000,
  every(ms, fn) {
    const timer = setInterval(fn, Math.max(1, ms / 1000));
    return () => clearInterval(timer);
  },
};

describe('cli: honest numbers before anything is spent (tune, eval)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let root: string;
  before(async () => {
    sim = await startSimulator();
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
    sim.configure({ latencyMs: 0, hangRate: 0 });
    root = mkdtempSync(path.join(tmpdir(), 'pt-cli-preflight-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function workspace(config?: unknown): string {
    const ws = mkdtempSync(path.join(root, 'ws-'));
    if (config !== undefined) {
      mkdirSync(path.join(ws, '.prompt-tuner'));
      writeFileSync(path.join(ws, '.prompt-tuner', 'config.json'), JSON.stringify(config));
    }
    return ws;
  }

  async function cli(
    args: string[],
    opts: {
      ws?: string;
      env?: NodeJS.ProcessEnv;
      clock?: CliClock;
      stderrIsTTY?: boolean;
      abortWhen?: (text: string) => boolean;
    } = {},
  ): Promise<Ran> {
    const ws = opts.ws ?? workspace();
    const controller = new AbortController();
    let out = '';
    let err = '';
    const io: CliIo = {
      out: (t) => {
        out += t;
        if (opts.abortWhen?.(t)) controller.abort(new Error('Cancelled by Ctrl-C'));
      },
      err: (t) => {
        err += t;
        if (opts.abortWhen?.(t)) controller.abort(new Error('Cancelled by Ctrl-C'));
      },
      cwd: ws,
      env: opts.env ?? simEnv(sim),
      signal: controller.signal,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.stderrIsTTY !== undefined ? { stderrIsTTY: opts.stderrIsTTY } : {}),
    };
    const code = await runCli(args, io);
    return { code, out, err, ws };
  }

  const evalArgs = ['eval', '--suite', SUITE, '--prompt', 'You are a travel assistant.', '--model', MODEL];
  const tuneArgs = ['tune', '--suite', SUITE, '--mode', 'quick', '--population', '2', '--meta-model', MODEL];

  describe('a missing key', () => {
    // No OPENAI_BASE_URL: the public API, which always needs a key.
    const noKey = {};
    it('eval: exit 2 naming the variable, before the store is made or a call is sent', async () => {
      const r = await cli(['eval', '--suite', SUITE, '--prompt', 'x', '--model', 'openai/gpt-4o-mini'], { env: noKey });
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /no API key for openai \(openai\/gpt-4o-mini\): set OPENAI_API_KEY/);
      assert.equal(existsSync(path.join(r.ws, '.prompt-tuner')), false, 'nothing written');
    });

    it('tune: every model of the run is checked (meta and targets), each missing key named once', async () => {
      const r = await cli(
        ['tune', '--suite', SUITE, '--mode', 'quick', '--meta-model', 'anthropic/claude-haiku-4-5'].concat([
          '--model',
          'openai/gpt-4o-mini',
          '--model',
          'openai/gpt-4o',
        ]),
        { env: { ANTHROPIC_API_KEY: '' } },
      );
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /no API key for anthropic \(anthropic\/claude-haiku-4-5\): set ANTHROPIC_API_KEY/);
      assert.match(r.err, /no API key for openai \(openai\/gpt-4o-mini, openai\/gpt-4o\): set OPENAI_API_KEY/);
      assert.equal(existsSync(path.join(r.ws, '.prompt-tuner')), false, 'nothing written');
    });

    it('an endpoint preset that needs a key names its own variable', async () => {
      const r = await cli(['eval', '--suite', SUITE, '--prompt', 'x', '--model', 'openrouter/some/model'], {
        env: noKey,
      });
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /set OPENROUTER_API_KEY/);
    });
  });

  describe('--budget-usd with a model whose price is unknown', () => {
    for (const [name, args] of [
      ['eval', evalArgs],
      ['tune', [...tuneArgs, '--model', MODEL]],
    ] as const) {
      it(`${name}: refused before any call (exit 2), pointing at prices or a call budget`, async () => {
        const r = await cli([...args, '--budget-usd', '1']);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /no price known for openai\/sim-1: add it to prices, or use a call budget/);
        assert.equal(sim.counters().calls, 0);
        assert.equal(existsSync(path.join(r.ws, '.prompt-tuner')), false, 'nothing written');
      });
    }

    it('is accepted once config.json gives the price', async () => {
      const ws = workspace({ prices: { [MODEL]: { inputPerMTok: 0.1, outputPerMTok: 0.1 } } });
      const r = await cli([...evalArgs, '--budget-usd', '5', '--json'], { ws });
      assert.equal(r.code, 0, r.err);
      assert.equal(typeof (JSON.parse(r.out) as { costUsd: unknown }).costUsd, 'number');
    });
  });

  it('eval --budget-calls N stops starting calls after N (partial results, exit 1)', async () => {
    const r = await cli([...evalArgs, '--budget-calls', '3', '--concurrency', '1', '--no-cache', '--json']);
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out) as { status: string; calls: number };
    assert.equal(j.status, 'budget_reached');
    assert.equal(j.calls, 3);
    assert.equal(sim.counters().calls, 3);
    assert.match(r.err, /^Budget reached: 3 of 3 calls made; stopped with 3 of 16 results \(partial\)\.$/m);
  });

  it('tune --budget-calls N ends the run at the cap with budget_reached', async () => {
    const r = await cli([...tuneArgs, '--model', MODEL, '--budget-calls', '5', '--no-cache', '--json']);
    assert.equal(r.code, 1, r.err);
    assert.equal((JSON.parse(r.out) as { status: string }).status, 'budget_reached');
    assert.ok(sim.counters().calls <= 5, `${sim.counters().calls} calls`);
  });

  it('--budget-calls and --timeout-s are checked like every number flag', async () => {
    for (const [flag, value] of [
      ['--budget-calls', '0'],
      ['--budget-calls', '1.5'],
      ['--timeout-s', '0'],
      ['--timeout-s', '601'],
    ]) {
      const r = await cli([...evalArgs, flag!, value!]);
      assert.equal(r.code, 2, `${flag} ${value}`);
      assert.ok(r.err.includes(flag!), r.err);
    }
    const bad = await cli(evalArgs, { ws: workspace({ requestTimeoutSeconds: 0 }) });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /requestTimeoutSeconds/);
  });

  it('an unknown price shows as unknown, also when every answer came from the cache (never $0.00)', async () => {
    const ws = workspace();
    const first = await cli(evalArgs, { ws });
    assert.equal(first.code, 0, first.err);
    const cached = await cli(evalArgs, { ws });
    assert.equal(cached.code, 0, cached.err);
    assert.equal(sim.counters().calls, 16, 'the second run is served by the cache');
    assert.doesNotMatch(cached.out, /\$0\.00/);
    assert.match(cached.out, /unknown/);
    const json = await cli([...evalArgs, '--json'], { ws });
    assert.equal((JSON.parse(json.out) as { costUsd: number | null }).costUsd, null);
  });

  it('a failed run with an unknown price shows its cost as unknown too', async () => {
    const r = await cli([...evalArgs, '--no-cache'], { env: { ...simEnv(sim), OPENAI_API_KEY: SIM_BAD_KEY } });
    assert.equal(r.code, 1, r.err);
    assert.doesNotMatch(r.out, /\$0\.00/);
    assert.match(r.out, /unknown/);
  });

  it('tune: an unknown price is unknown in --json and in the last line, cache or not', async () => {
    const ws = workspace();
    const args = [...tuneArgs, '--model', MODEL];
    assert.equal((await cli(args, { ws })).code, 0);
    const again = await cli(args, { ws });
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /cost unknown\. Run id/);
    const json = await cli([...args, '--json'], { ws });
    assert.equal((JSON.parse(json.out) as { costUsd: number | null }).costUsd, null);
  });

  it('the estimate assumes the concurrency that will run: 8 by default, config.json when it says', async () => {
    const args = [...tuneArgs, '--model', MODEL, '--estimate', '--json'];
    const def = JSON.parse((await cli(args)).out) as { concurrency: number; latencies: { measured: boolean }[] };
    assert.equal(def.concurrency, 8);
    assert.ok(def.latencies.every((l) => !l.measured));
    const conf = await cli(args, { ws: workspace({ concurrency: { openai: 3 } }) });
    assert.equal((JSON.parse(conf.out) as { concurrency: number }).concurrency, 3);
    const human = await cli([...tuneArgs, '--model', MODEL, '--estimate']);
    assert.match(human.out, /\(assumed 1\.5 s per call: openai\/sim-1; 8 at a time\)/);
    const help = await cli(['tune', '--help']);
    assert.match(help.out, /else 8\)/);
    assert.match((await cli(['eval', '--help'])).out, /else 8\)/);
  });

  describe('waiting is never silent', () => {
    it('human mode: a waiting line naming the model and the calls in flight after each silence', async () => {
      sim.configure({ latencyMs: 150 });
      const r = await cli([...evalArgs, '--concurrency', '2', '--no-cache'], { clock: fastClock });
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /^ {2}waiting for openai\/sim-1: [12] calls? in flight, \d+ s$/m);
    });

    it('--json: waiting lines go to stderr only when it is a terminal', async () => {
      sim.configure({ latencyMs: 150 });
      const args = [...evalArgs, '--concurrency', '2', '--no-cache', '--json'];
      const piped = await cli(args, { clock: fastClock, stderrIsTTY: false });
      assert.equal(piped.code, 0, piped.err);
      assert.doesNotMatch(piped.err, /waiting for/);
      const tty = await cli(args, { clock: fastClock, stderrIsTTY: true });
      assert.match(tty.err, /waiting for openai\/sim-1/);
      assert.doesNotMatch(tty.out, /waiting for/);
      JSON.parse(tty.out);
    });

    it('--timeout-s: a hung request is reported as "timed out after N s (attempt k of n)", not as throttling', async () => {
      sim.configure({ hangRate: 1 });
      const r = await cli([...evalArgs, '--timeout-s', '1', '--concurrency', '1', '--no-cache'], {
        abortWhen: (t) => /timed out after/.test(t),
      });
      assert.match(r.err, /openai\/sim-1 timed out after 1 s \(attempt 1 of \d+\)/);
      assert.doesNotMatch(r.err, /throttled/);
      assert.equal(r.code, 130);
    });

    it('scale --timeout-s: checked, and its hung requests are reported as timeouts too', async () => {
      const agent = path.join(ROOT, 'examples', 'hotel-desk.agent.json');
      const scaleArgs = ['scale', '--agent', agent, '--model', MODEL, '--runs', '1'];
      const bad = await cli([...scaleArgs, '--timeout-s', '0']);
      assert.equal(bad.code, 2);
      assert.match(bad.err, /--timeout-s: must be at least 1/);
      sim.configure({ hangRate: 1 });
      const r = await cli([...scaleArgs, '--timeout-s', '1'], { abortWhen: (t) => /timed out after/.test(t) });
      assert.match(r.err, /openai\/sim-1 timed out after 1 s \(attempt 1 of \d+\)/);
      assert.equal(r.code, 130, r.err);
    });
  });
});
