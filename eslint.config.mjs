// The lint gate: typescript-eslint's type-aware rules on every TypeScript file, and the layers as import rules
// (src/core knows nothing of VS Code or the host, webview code reaches the host only through src/protocol, the
// store knows no feature). `npm run lint` runs it; `.ci/run` fails on any finding.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const FEATURES = ['agents', 'jobs', 'library', 'models', 'optimize', 'scale', 'suites', 'tuning'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.e2e/**', 'test-results/**', 'docs/**', 'media/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unnecessary-condition': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  // CommonJS files (mocha's reporter) load modules with require(): that is their module system, not a lapse.
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The host and the CLI load their own heavy modules with require() at first use (the suite loader and zod schemas,
  // a command's implementation, the vendor SDK bundles), so activation and start-up parse only what they need;
  // esbuild keeps such a require() inside the one bundle. Packages still come in by import.
  {
    files: ['src/extension/**/*.ts', 'src/cli/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': ['error', { allow: ['^\\.{1,2}/'] }] },
  },
  // The layers.
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/core runs without VS Code (the CLI, workers): no vscode import.' }],
          patterns: [
            { regex: '(^|/)extension(/|$)', message: 'src/core must not import the extension host (src/extension).' },
            { regex: '(^|/)cli(/|$)', message: 'src/core must not import the CLI (src/cli).' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/core runs without VS Code (the CLI, workers): no vscode import.' }],
          patterns: [
            {
              regex: `^\\.\\./(${FEATURES.join('|')})(/|$)`,
              message: 'src/core/store knows no feature: each feature brings its own migration and repository.',
            },
            { regex: '(^|/)(extension|cli)(/|$)', message: 'src/core must not import the host or the CLI.' },
          ],
        },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'Webview code runs in the browser: talk to the host through messages.' }],
          patterns: [
            {
              regex: '^(\\.\\./)+src/(?!protocol/)',
              message: 'Webview code imports only the panel protocols (src/protocol), never host or core code.',
            },
            { regex: '^node:', message: 'Webview code runs in the browser: no Node built-ins.' },
          ],
        },
      ],
    },
  },
);
