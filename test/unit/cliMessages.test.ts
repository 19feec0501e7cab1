// Messages that say what is wrong once, in the units the labels use, without echoing bytes of a binary file.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../../src/cli/cliTypes';
import { cancelledText, timeoutLine, waitingNotes } from '../../src/cli/jobFollow';
import { missingKeys } from '../../src/cli/keyPreflight';
import { runCli } from '../../src/cli/main';
import { ModelConfigSchema } from '../../src/core/models/modelConfig';
import type { ModelGateway, ModelResult } from '../../src/core/models/types';
import { startSimulator, type Simulator } from '../sim/server';
import { ROOT, simEnv } from '../support/cliHarness';
import { noGatewayStats } from '../support/gatewayStats';

const SUITE = path.join(ROOT, 'examples', 'travel-desk.suite.json');

async function cli(cwd: string, argv: string[], env: NodeJS.ProcessEnv = {}, abortOnOut?: RegExp) {
  let out = '';
  let err = '';
  const controller = new AbortController();
  const code = await runCli(argv, {
    out: (t) => {
      out += t;
      if (abortOnOut?.test(t)) controller.abort(new Error('Cancelled by Ctrl-C'));
    },
    err: (t) => (err += t),
    cwd,
    env,
    signal: controller.signal,
  });
  return { code, out, err };
}

describe('cli messages', function () {
  this.timeout(60_000);
  let ws: string;
  beforeEach(() => {
    ws = mkdtempSync(path.join(tmpdir(), 'pt-cli-msg-'));
  });
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  describe('library import', () => {
    it('a hand-written file without exportedAt imports', async () => {
      writeFileSync(
        path.join(ws, 'lib.json'),
        JSON.stringify({
          format: 'prompt-tuner-library',
          version: 1,
          prompts: [{ name: 'a', versions: [{ text: 'Be brief.' }] }],
        }),
      );
      const r = await cli(ws, ['library', 'import', 'lib.json']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^Imported 1 version into 1 prompt/);
    });

    it('lists every problem with its JSON path, not only the first', async () => {
      writeFileSync(
        path.join(ws, 'lib.json'),
        JSON.stringify({
          format: 'prompt-tuner-library',
          version: 1,
          prompts: [
            { name: 'a', versions: [{ text: '' }, { text: 'ok', source: 'stolen' }] },
            { name: 'b', versions: [{ text: 'x', score: 43.8 }] },
          ],
        }),
      );
      const r = await cli(ws, ['library', 'import', 'lib.json']);
      assert.equal(r.code, 2);
      for (const p of ['prompts[0].versions[0].text', 'prompts[0].versions[1].source', 'prompts[1].versions[0].score'])
        assert.ok(r.err.includes(`${p}:`), `${p} in ${r.err}`);
      assert.doesNotMatch(r.err, /exportedAt/);
    });

    it('a binary file is named as such, and none of its bytes reach the terminal', async () => {
      const bytes = new Uint8Array([
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0xff, 0xfe, 0x1b, 0x5b,
      ]);
      writeFileSync(path.join(ws, 'logo.png'), bytes);
      const r = await cli(ws, ['library', 'import', 'logo.png']);
      assert.equal(r.code, 2);
      assert.match(r.err, /logo\.png is not a text file \(binary data\)/);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(r.err, /[\u0000-\u0008\u000e-\u001f\ufffd]|PNG/);
    });

    it('invalid JSON names line:column without quoting the file', async () => {
      writeFileSync(path.join(ws, 'lib.json'), '{\n  "format": "prompt-tuner-library",\n  "version": 1,,\n}');
      const r = await cli(ws, ['library', 'import', 'lib.json']);
      assert.equal(r.code, 2);
      assert.match(r.err, /lib\.json: invalid JSON at line 3:16: /);
      assert.doesNotMatch(r.err, /is not valid JSON/);
    });
  });

  it('library show prints a score as a percentage, as the labels do', async () => {
    writeFileSync(
      path.join(ws, 'lib.json'),
      JSON.stringify({
        format: 'prompt-tuner-library',
        version: 1,
        prompts: [{ name: 'a', versions: [{ text: 'Be brief.', score: 0.4375 }] }],
      }),
    );
    assert.equal((await cli(ws, ['library', 'import', 'lib.json'])).code, 0);
    const r = await cli(ws, ['library', 'show', 'a']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /score: 43\.8%/);
    assert.doesNotMatch(r.out, /0\.438/);
  });

  describe('tune against the simulator', () => {
    let sim: Simulator;
    before(async () => {
      sim = await startSimulator();
    });
    after(async () => {
      await sim.close();
    });

    it('--mode quick with --generations or --selection-ratio warns that they do not apply', async () => {
      const r = await cli(
        ws,
        ['tune', '--suite', SUITE, '--mode', 'quick', '--meta-model', 'openai/sim-1', '--model', 'openai/sim-1'].concat(
          ['--generations', '3', '--selection-ratio', '0.5', '--estimate'],
        ),
        simEnv(sim),
      );
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /warning: --generations and --selection-ratio do not apply to --mode quick/);
      const none = await cli(
        ws,
        [
          'tune',
          '--suite',
          SUITE,
          '--mode',
          'evolutionary',
          '--meta-model',
          'openai/sim-1',
          '--model',
          'openai/sim-1',
        ].concat(['--generations', '3', '--estimate']),
        simEnv(sim),
      );
      assert.doesNotMatch(none.err, /warning/);
    });

    it('Ctrl-C says "Cancelled by Ctrl-C" once, not "Cancelled: Cancelled by Ctrl-C"', async () => {
      const r = await cli(
        ws,
        ['tune', '--suite', SUITE, '--mode', 'quick', '--meta-model', 'openai/sim-1', '--model', 'openai/sim-1'],
        simEnv(sim),
        /^Generation 1/m,
      );
      assert.equal(r.code, 130, r.err);
      assert.match(r.out, /^Cancelled by Ctrl-C$/m);
      assert.doesNotMatch(r.out + r.err, /Cancelled: Cancelled/);
    });
  });

  it('cancelledText keeps a reason of its own', () => {
    assert.equal(cancelledText('Cancelled by Ctrl-C'), 'Cancelled by Ctrl-C');
    assert.equal(cancelledText('the panel was closed'), 'Cancelled: the panel was closed');
  });

  it('the library import usage line and the README show --json', async () => {
    const r = await cli(ws, ['library', 'import', '--help']);
    assert.match(r.out.split('\n')[0]!, /library import FILE \[--json\]/);
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.match(readme, /prompt-tuner library import FILE \[--json\]/);
  });
});

describe('waiting lines (jobFollow.waitingNotes)', () => {
  /** A clock the test moves by hand, and an io that collects. */
  function setup(machine: boolean, stderrIsTTY = false) {
    let now = 0;
    let tick: (() => void) | undefined;
    let err = '';
    const io: CliIo = {
      out: () => undefined,
      err: (t) => (err += t),
      cwd: '/',
      env: {},
      signal: new AbortController().signal,
      stderrIsTTY,
      clock: {
        now: () => now,
        every: (_ms, fn) => {
          tick = fn;
          return () => (tick = undefined);
        },
      },
    };
    const pending: ((r: ModelResult) => void)[] = [];
    const gateway: ModelGateway = {
      call: () => new Promise<ModelResult>((resolve) => pending.push(resolve)),
      onEvent: () => () => undefined,
      stats: noGatewayStats,
      measuredLatencyMs: () => undefined,
    };
    const notes = waitingNotes(io, { machine });
    return {
      notes,
      gateway: notes.track(gateway),
      pending,
      advance: (ms: number) => {
        now += ms;
        tick?.();
      },
      err: () => err,
      stopped: () => tick === undefined,
    };
  }
  const req = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] });

  it('after 10 s with nothing printed, names each model and its calls in flight; output resets the silence', () => {
    const t = setup(false);
    void t.gateway.call(req('openai/gpt-4o-mini'));
    void t.gateway.call(req('openai/gpt-4o-mini'));
    void t.gateway.call(req('openai/gpt-4o-mini'));
    t.advance(9_000);
    assert.equal(t.err(), '');
    t.advance(3_000);
    assert.equal(t.err(), '  waiting for openai/gpt-4o-mini: 3 calls in flight, 12 s\n');
    t.notes.io.out('a line\n');
    t.advance(9_000);
    assert.equal(t.err().split('\n').length, 2, 'a printed line restarts the 10 s');
    t.notes.stop();
    assert.ok(t.stopped());
  });

  it('says nothing while no call is in flight', () => {
    const t = setup(false);
    t.advance(30_000);
    assert.equal(t.err(), '');
  });

  it('with --json/--events: only when stderr is a terminal', () => {
    const piped = setup(true, false);
    void piped.gateway.call(req('m/x'));
    piped.advance(20_000);
    assert.equal(piped.err(), '');
    const tty = setup(true, true);
    void tty.gateway.call(req('m/x'));
    tty.advance(20_000);
    assert.match(tty.err(), /waiting for m\/x: 1 call in flight, 20 s/);
  });

  it('a timeout is reported as a timeout with its attempt, not as throttling', () => {
    const t = setup(false);
    t.notes.onGatewayEvent({
      type: 'timeout',
      provider: 'openai',
      model: 'openai/gpt-4o',
      afterS: 60,
      attempt: 1,
      maxAttempts: 6,
      retryInMs: 1200,
    });
    assert.equal(t.err(), '  openai/gpt-4o timed out after 60 s (attempt 1 of 6), retrying in 1.2 s\n');
    assert.equal(
      timeoutLine({ model: 'a/b', afterS: 5, attempt: 6, maxAttempts: 6 }),
      '  a/b timed out after 5 s (attempt 6 of 6)\n',
    );
  });
});

describe('key preflight (missingKeys)', () => {
  const config = ModelConfigSchema.parse({
    endpoints: [{ name: 'corp', baseUrl: 'http://x/v1', apiKeyEnv: 'CORP_KEY' }],
  });
  it('needs a key for the public APIs and keyed presets, not for a custom base URL or a local server', () => {
    assert.deepEqual(
      missingKeys(['openai/a', 'anthropic/b', 'openrouter/c', 'ollama/d', 'corp/e', 'openai/f'], {}, config).map(
        (k) => [k.provider, k.variable, k.models],
      ),
      [
        ['openai', 'OPENAI_API_KEY', ['openai/a', 'openai/f']],
        ['anthropic', 'ANTHROPIC_API_KEY', ['anthropic/b']],
        ['openrouter', 'OPENROUTER_API_KEY', ['openrouter/c']],
      ],
    );
    assert.deepEqual(missingKeys(['openai/a'], { OPENAI_BASE_URL: 'http://localhost:9/v1' }, config), []);
    assert.deepEqual(missingKeys(['openai/a'], { OPENAI_API_KEY: 'sk-x' }, config), []);
  });

  it('config.json takes requestTimeoutSeconds, 1–600', () => {
    assert.equal(ModelConfigSchema.parse({ requestTimeoutSeconds: 30 }).requestTimeoutSeconds, 30);
    assert.equal(ModelConfigSchema.safeParse({ requestTimeoutSeconds: 0 }).success, false);
    assert.equal(ModelConfigSchema.safeParse({ requestTimeoutSeconds: 601 }).success, false);
  });
});
