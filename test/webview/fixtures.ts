// Test-data builders for the tuning panel: host options, library versions and run snapshots.
import { scoreSeries } from '../../src/core/tuning/scoreSeries';
import type { LibraryVersionItem, TuneRunSnapshot, TuningOptions, TuningRunView } from '../../src/protocol/tuningPanel';

/** The snapshot as the host sends it: with the chart series it derives (tuningPanel.ts). */
export const asRunView = (s: TuneRunSnapshot): TuningRunView => ({ ...s, scoreSeries: scoreSeries(s) });

export const HOSTILE = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';

export function options(overrides: Partial<TuningOptions> = {}): TuningOptions {
  return {
    suites: [
      { file: '/ws/examples/travel-desk.suite.json', relativePath: 'examples/travel-desk.suite.json' },
      { file: '/ws/suites/billing.suite.json', relativePath: 'suites/billing.suite.json' },
    ],
    models: [
      { id: 'anthropic/claude-opus-4-6', label: 'claude-opus-4-6 (anthropic)', source: 'API key' },
      { id: 'openai/gpt-4o-mini', label: 'gpt-4o-mini (openai)', source: 'API key' },
      { id: 'ollama/llama3.1', label: 'llama3.1 (ollama)', source: 'endpoint' },
    ],
    defaultBasePrompt: 'You are a helpful travel assistant.',
    activeContext: null,
    limits: {
      population: { min: 2, max: 20, default: 6 },
      generations: { min: 1, max: 10, default: 3 },
      selectionRatio: { min: 0.1, max: 0.9, default: 0.5 },
      validationSplit: { min: 0, max: 0.5, default: 0 },
    },
    callWarningThreshold: 100,
    trusted: true,
    ...overrides,
  };
}

export function versions(): LibraryVersionItem[] {
  return [
    {
      id: 12,
      promptName: 'travel-desk',
      version: 3,
      label: 'tuned best',
      source: 'tuned',
      createdAt: '2026-11-21T10:00:00.000Z',
      score: 0.82,
      text: 'Always call get_weather with ISO dates.',
    },
    {
      id: 11,
      promptName: 'travel-desk',
      version: 2,
      label: null,
      source: 'manual',
      createdAt: '2026-11-20T09:00:00.000Z',
      score: null,
      text: 'You are a travel desk agent.',
    },
    {
      id: 7,
      promptName: 'billing',
      version: 1,
      label: 'imported',
      source: 'imported',
      createdAt: '2026-11-19T08:00:00.000Z',
      score: null,
      text: 'You answer billing questions.',
    },
  ];
}

/** A two-generation evolutionary run, running, whose texts carry HTML from a hostile model. */
export function runningSnapshot(overrides: Partial<TuneRunSnapshot> = {}): TuningRunView {
  const models = ['openai/gpt-4o-mini', 'ollama/llama3.1'];
  const pm = (a: number, b: number) => [
    { model: models[0]!, score: a, passed: Math.round(a * 10), total: 10 },
    { model: models[1]!, score: b, passed: Math.round(b * 10), total: 10 },
  ];
  return asRunView({
    runId: 'run-1',
    status: 'running',
    mode: 'evolutionary',
    suite: { name: 'Travel desk', file: '/ws/examples/travel-desk.suite.json' },
    metaModel: 'anthropic/claude-opus-4-6',
    targetModels: models,
    basePrompt: 'You are a helpful travel assistant.',
    baseVersionId: null,
    generationsPlanned: 3,
    currentGeneration: 2,
    generations: [
      {
        number: 1,
        complete: true,
        bestScore: 0.75,
        candidates: [
          {
            id: 'g1-p1',
            generation: 1,
            text: 'You are a helpful travel assistant.',
            origin: 'base',
            parentIds: [],
            score: 0.3,
            perModel: pm(0.3, 0.3),
            evaluated: 20,
            toEvaluate: 20,
            survived: false,
          },
          {
            id: 'g1-p2',
            generation: 1,
            text: `Use ISO dates. ${HOSTILE}`,
            origin: 'variant',
            parentIds: ['g1-p1'],
            note: 'strategy: be explicit',
            score: 0.75,
            perModel: pm(0.8, 0.7),
            evaluated: 20,
            toEvaluate: 20,
            survived: true,
          },
          {
            id: 'g1-p3',
            generation: 1,
            text: 'Ask before booking.',
            origin: 'variant',
            parentIds: ['g1-p1'],
            note: 'strategy: add examples',
            score: 0.5,
            perModel: pm(0.5, 0.5),
            evaluated: 20,
            toEvaluate: 20,
            survived: true,
          },
        ],
      },
      {
        number: 2,
        complete: false,
        bestScore: null,
        candidates: [
          {
            id: 'g2-p1',
            generation: 2,
            text: `Use ISO dates. ${HOSTILE}`,
            origin: 'survivor',
            parentIds: ['g1-p2'],
            score: 0.75,
            perModel: pm(0.8, 0.7),
            evaluated: 20,
            toEvaluate: 20,
            survived: false,
          },
          {
            id: 'g2-p2',
            generation: 2,
            text: 'Mutated: always pass the city.',
            origin: 'mutation',
            parentIds: ['g1-p2'],
            note: 'fixes missing_arg',
            score: null,
            perModel: [],
            evaluated: 7,
            toEvaluate: 20,
            survived: false,
          },
        ],
      },
    ],
    best: {
      candidateId: 'g1-p2',
      text: `Use ISO dates. ${HOSTILE}`,
      score: 0.75,
      validationScore: null,
      perModel: pm(0.8, 0.7),
    },
    baseScore: 0.3,
    callsPlanned: 120,
    callsDone: 54,
    progress: 0.45,
    etaSeconds: 42,
    detail: 'Evaluating g2-p2 on 20 cases × 2 models',
    costUsd: 0.0123,
    throttle: null,
    notes: ['Generation 2: g2-p3 skipped: identical to an existing prompt twice; 20 evaluations fewer than planned'],
    savedVersion: null,
    error: null,
    startedAt: '2026-11-22T15:00:00.000Z',
    finishedAt: null,
    ...overrides,
  });
}

export function completedSnapshot(): TuningRunView {
  const s = runningSnapshot();
  return {
    ...s,
    status: 'completed',
    progress: 1,
    etaSeconds: 0,
    callsDone: 120,
    detail: 'Done: best 75% (base 30%)',
    savedVersion: { id: 40, name: 'travel-desk', version: 4 },
    finishedAt: '2026-11-22T15:02:00.000Z',
  };
}
