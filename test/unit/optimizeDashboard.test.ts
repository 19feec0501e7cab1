// `optimize dashboard`: Tau's read-only endpoints over a store, each with Tau's `training` field, on 127.0.0.1
// only; other methods 405, unknown paths 404; a missing store still answers (and is not created); another
// handle's writes show on the next request; and the page at `/` loads its data under its CSP in Chromium.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startDashboard, type DashboardHandle } from '../../src/core/optimize/dashboard/server';
import { statusPathFor, writeStatusFile } from '../../src/core/optimize/statusFile';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import type { NewRollout, RolloutStore, StatusFile } from '../../src/core/optimize/types';
import { CHROMIUM_ARGS } from '../support/chromium';
import { optimizeConfig } from '../support/optimizeConfig';

const ENDPOINTS = [
  '/dashboard/health',
  '/dashboard/widgets',
  '/dashboard/queue-timeline',
  '/dashboard/alerts',
  '/gateway/training/status',
] as const;
/** Each endpoint's keys in Tau's order (ours after Tau's where Tau has fewer). */
const KEYS: Record<(typeof ENDPOINTS)[number], string[]> = {
  '/dashboard/health': ['schema_version', 'generated_unix_ms', 'status', 'health', 'training', 'state'],
  '/dashboard/widgets': [
    'schema_version',
    'generated_unix_ms',
    'widgets',
    'run',
    'workers',
    'latest_resources',
    'training',
    'state',
  ],
  '/dashboard/queue-timeline': ['schema_version', 'generated_unix_ms', 'queue_timeline', 'health', 'training', 'state'],
  '/dashboard/alerts': ['schema_version', 'generated_unix_ms', 'alerts', 'health', 'training', 'state'],
  '/gateway/training/status': ['schema_version', 'generated_unix_ms', 'training'],
};
const TRAINING_KEYS = [
  'status_path',
  'status_present',
  'updated_unix_ms',
  'run_state',
  'model_ref',
  'store_path',
  'total_rollouts',
  'succeeded',
  'failed',
  'cancelled',
  'diagnostics',
];

// A long heartbeat, so a slow browser start never makes the test's worker stale.
const config = optimizeConfig({ heartbeat_interval_ms: 60_000 });

function rollout(n: number): NewRollout {
  return {
    rollout_id: `train-1-${n}`,
    run_id: 'run-1',
    input: { prompt: `question ${n}`, expected: 'x' },
    mode: 'train',
    config: { max_attempts: 1, timeout_seconds: null, unresponsive_seconds: 3, retry_condition: ['unresponsive'] },
    metadata: { run_id: 'run-1', item_index: n - 1, set: 'optimize', purpose: 'baseline' },
    resources_id: 'resources-1',
  };
}

type Json = Record<string, unknown> & {
  training: Record<string, unknown>;
  state: Record<string, unknown>;
  health: Record<string, unknown>;
};

async function getJson(url: string): Promise<Json> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return (await res.json()) as Json;
}

/** A raw request, for what fetch will not send (a foreign Host header, HEAD's empty body). */
function raw(
  url: string,
  method: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('optimize dashboard', () => {
  let dir: string;
  let storePath: string;
  let dashboard: DashboardHandle | undefined;
  let writer: RolloutStore | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pt-dashboard-'));
    storePath = join(dir, 'training', 'store.sqlite');
  });
  afterEach(async () => {
    await dashboard?.close();
    await writer?.close();
    dashboard = undefined;
    writer = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function withRun(): Promise<RolloutStore> {
    writer = await openSqliteRolloutStore(storePath);
    await writer.addResources(config.resources, { run_id: null, label: 'initial', parent_version: null, latest: true });
    await writer.createRun({
      run_id: 'run-1',
      model_ref: 'openai/sim-1',
      config_path: 'c.json',
      config,
      store_path: storePath,
    });
    await writer.registerWorker({ worker_id: 'worker-1', run_id: 'run-1', pid: process.pid, host: 'here' });
    await writer.enqueue([rollout(1), rollout(2), rollout(3)]);
    return writer;
  }

  it('without a store or status.json every endpoint answers in Tau’s shape, with diagnostics, and creates nothing', async () => {
    dashboard = await startDashboard({ storePath });
    assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const statusPath = statusPathFor(storePath);
    for (const path of ENDPOINTS) {
      const body = await getJson(new URL(path, dashboard.url).href);
      assert.deepEqual(Object.keys(body), KEYS[path], path);
      assert.equal(body.schema_version, 1);
      assert.equal(typeof body.generated_unix_ms, 'number');
      assert.deepEqual(Object.keys(body.training), TRAINING_KEYS, `${path} training`);
      // Tau's values for a missing status.json: zeros, "unknown", empty strings.
      assert.deepEqual(body.training, {
        status_path: statusPath,
        status_present: false,
        updated_unix_ms: 0,
        run_state: 'unknown',
        model_ref: '',
        store_path: '',
        total_rollouts: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 0,
        diagnostics: [`training_status_missing:${statusPath}`],
      });
    }
    const health = await getJson(new URL('/dashboard/health', dashboard.url).href);
    assert.equal(health.status, 'degraded');
    assert.equal(health.health.health_state, 'unknown');
    assert.equal(health.health.rollout_gate, 'hold');
    assert.equal(health.state.store_present, false);
    assert.deepEqual(health.state.diagnostics, [`store_missing:${storePath}`, `training_status_missing:${statusPath}`]);
    const alerts = await getJson(new URL('/dashboard/alerts', dashboard.url).href);
    assert.deepEqual(
      (alerts.alerts as { code: string }[]).map((a) => a.code),
      ['optimize_store_missing'],
    );
    const widgets = await getJson(new URL('/dashboard/widgets', dashboard.url).href);
    assert.ok(
      (widgets.widgets as { value: unknown }[]).every((w) => w.value === null),
      'no numbers for a store that does not exist',
    );
    assert.equal(existsSync(dir) && readdirSync(dir).length, 0, 'the read-only dashboard created no store');
  });

  it('with a store and status.json: Tau’s training field, counters, workers, the timeline and Tau’s failure alert', async () => {
    const store = await withRun();
    const claim = (await store.dequeue('worker-1'))!;
    await store.addSpans(claim.attempt.attempt_id, []);
    await store.finishAttempt(claim.attempt.attempt_id, { status: 'failed', error: 'boom' });
    const status: StatusFile = {
      schema_version: 1,
      updated_unix_ms: 1_700_000_000_000,
      run_state: 'running',
      model_ref: 'openai/sim-1',
      store_path: storePath,
      total_rollouts: 3,
      succeeded: 0,
      failed: 1,
      cancelled: 0,
    };
    writeStatusFile(statusPathFor(storePath), status);
    dashboard = await startDashboard({ storePath });

    const training = await getJson(new URL('/gateway/training/status', dashboard.url).href);
    assert.deepEqual(training.training, {
      status_path: statusPathFor(storePath),
      status_present: true,
      ...withoutSchema(status),
      diagnostics: [],
    });

    const widgets = await getJson(new URL('/dashboard/widgets', dashboard.url).href);
    const value = (id: string) =>
      (widgets.widgets as { widget_id: string; value: unknown; kind: string }[]).find((w) => w.widget_id === id)?.value;
    assert.deepEqual(
      [
        'rollouts_total',
        'rollouts_queuing',
        'rollouts_running',
        'rollouts_failed',
        'rollouts_succeeded',
        'workers_active',
        'resources_latest_version',
      ].map(value),
      [3, 2, 0, 1, 0, 1, 1],
    );
    assert.ok(
      (widgets.widgets as { kind: string; refresh_interval_ms: number }[]).every(
        (w) => w.kind === 'counter' && w.refresh_interval_ms === 2000,
      ),
    );
    assert.equal((widgets.run as { run_id: string }).run_id, 'run-1');
    assert.deepEqual(
      (widgets.workers as { worker_id: string; stale: boolean }[]).map((w) => [w.worker_id, w.stale]),
      [['worker-1', false]],
    );
    assert.equal(widgets.state.run_id, 'run-1');

    const timeline = await getJson(new URL('/dashboard/queue-timeline', dashboard.url).href);
    const qt = timeline.queue_timeline as {
      run_id: string;
      points: { queued: number; running: number; done: number }[];
    };
    assert.equal(qt.run_id, 'run-1');
    assert.ok(qt.points.length >= 2 && qt.points.length <= 60);
    assert.deepEqual(qt.points.at(-1), { ...qt.points.at(-1), queued: 2, running: 0, done: 1 });

    const alerts = await getJson(new URL('/dashboard/alerts', dashboard.url).href);
    assert.deepEqual(alerts.alerts, [
      {
        code: 'dashboard_training_failures',
        severity: 'warning',
        message: 'latest training run recorded failures (failed=1, cancelled=0, state=running)',
      },
    ]);
    const health = await getJson(new URL('/dashboard/health', dashboard.url).href);
    assert.equal(health.status, 'degraded');
    assert.equal(health.health.health_state, 'degraded');
    assert.equal(health.health.queue_depth, 2);
    assert.match(String(health.health.health_reason), /latest training run recorded failures/);
  });

  it('a healthy store: status ok and Tau’s dashboard_healthy alert', async () => {
    await withRun();
    writeStatusFile(statusPathFor(storePath), {
      schema_version: 1,
      updated_unix_ms: 1,
      run_state: 'completed',
      model_ref: 'm',
      store_path: storePath,
      total_rollouts: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    });
    dashboard = await startDashboard({ storePath });
    const health = await getJson(new URL('/dashboard/health', dashboard.url).href);
    assert.equal(health.status, 'ok');
    assert.equal(health.health.rollout_gate, 'pass');
    const alerts = await getJson(new URL('/dashboard/alerts', dashboard.url).href);
    assert.deepEqual(alerts.alerts, [
      { code: 'dashboard_healthy', severity: 'info', message: 'dashboard runtime health is nominal' },
    ]);
  });

  it('a store written by another handle shows on the next request, including one created after the dashboard started', async () => {
    dashboard = await startDashboard({ storePath });
    const url = new URL('/dashboard/widgets', dashboard.url).href;
    const total = async () => (await getJson(url)).widgets as { widget_id: string; value: unknown }[];
    assert.equal((await total()).find((w) => w.widget_id === 'rollouts_total')?.value, null);

    const store = await withRun();
    assert.equal((await total()).find((w) => w.widget_id === 'rollouts_total')?.value, 3);
    const claim = (await store.dequeue('worker-1'))!;
    await store.addSpans(claim.attempt.attempt_id, []);
    const running = await total();
    assert.deepEqual(
      ['rollouts_running', 'rollouts_queuing'].map((id) => running.find((w) => w.widget_id === id)?.value),
      [1, 2],
    );
    await store.finishAttempt(claim.attempt.attempt_id, { status: 'succeeded', reward: 1, answer: 'x' });
    assert.equal((await total()).find((w) => w.widget_id === 'rollouts_succeeded')?.value, 1);
  });

  it('listens on 127.0.0.1 only and answers only to local host names', async () => {
    dashboard = await startDashboard({ storePath });
    assert.equal(await refused('127.0.0.1', dashboard.port), false);
    assert.equal(await refused('127.0.0.2', dashboard.port), true, 'not the rest of 127/8');
    assert.equal(await refused('::1', dashboard.port), true, 'not IPv6');
    for (const addr of Object.values(networkInterfaces()).flat()) {
      if (addr && !addr.internal)
        assert.equal(await refused(addr.address, dashboard.port), true, `not ${addr.address}`);
    }
    const rebound = await raw(new URL('/dashboard/health', dashboard.url).href, 'GET', { host: 'attacker.example:80' });
    assert.equal(rebound.status, 421);
    assert.equal(
      (await raw(new URL('/dashboard/health', dashboard.url).href, 'GET', { host: `localhost:${dashboard.port}` }))
        .status,
      200,
    );
  });

  it('is read-only: other methods get 405 with Allow; HEAD gets headers only; unknown paths 404 JSON', async () => {
    dashboard = await startDashboard({ storePath });
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await raw(new URL('/dashboard/health', dashboard.url).href, method);
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.allow, 'GET, HEAD');
      assert.equal((JSON.parse(res.body) as { error: string }).error, 'method_not_allowed');
    }
    const head = await raw(new URL('/dashboard/health', dashboard.url).href, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.match(String(head.headers['content-type']), /^application\/json/);
    const missing = await fetch(new URL('/dashboard/nope', dashboard.url));
    assert.equal(missing.status, 404);
    const body = (await missing.json()) as { error: string; endpoints: string[] };
    assert.equal(body.error, 'not_found');
    assert.deepEqual(body.endpoints, [...ENDPOINTS]);
  });

  it('a port in use is a clear error', async () => {
    dashboard = await startDashboard({ storePath });
    await assert.rejects(
      startDashboard({ storePath, port: dashboard.port }),
      new RegExp(`port ${dashboard.port} on 127\\.0\\.0\\.1 is in use`),
    );
  });

  it('serves the page under a nonce CSP, and in Chromium it shows counters, the timeline, workers and alerts', async function () {
    this.timeout(60_000);
    await withRun();
    dashboard = await startDashboard({ storePath });
    const res = await fetch(dashboard.url);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await res.text();
    assert.ok(html.includes(`<script nonce="${nonce}">`) && html.includes(`<style nonce="${nonce}">`));

    const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!existsSync(executablePath)) {
      if (process.env.CI) assert.fail(`Chromium not found at ${executablePath}`);
      console.log(`      (skipped the browser part: no Chromium at ${executablePath})`);
      return;
    }
    const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
    try {
      for (const scheme of ['light', 'dark'] as const) {
        const page = await browser.newPage({ colorScheme: scheme });
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(String(e)));
        await page.goto(dashboard.url);
        await page.waitForFunction(() => document.body.dataset.loaded !== undefined, undefined, { timeout: 10_000 });
        assert.equal(await page.textContent('[data-widget="rollouts_total"] .value'), '3');
        assert.equal(await page.textContent('[data-widget="rollouts_queuing"] .value'), '3');
        assert.equal(await page.locator('#timeline-svg path[data-series]').count(), 3);
        assert.match((await page.getAttribute('#timeline-svg', 'aria-label')) ?? '', /3 queued, 0 running, 0 done/);
        assert.equal(await page.locator('[data-worker="worker-1"]').count(), 1);
        assert.equal(await page.locator('#alerts li').first().getAttribute('data-code'), 'dashboard_healthy');
        assert.match((await page.textContent('#training-diagnostics')) ?? '', /training_status_missing:/);
        assert.match((await page.textContent('#run')) ?? '', /run 1 \(run-1\) · running · openai\/sim-1/);
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(bg, scheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)');
        assert.deepEqual(problems, [], 'no script errors or CSP violations');
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});

function withoutSchema(s: StatusFile): Omit<StatusFile, 'schema_version'> {
  const { schema_version: _ignored, ...rest } = s;
  void _ignored;
  return rest;
}
