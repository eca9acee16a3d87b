import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'ln-service',
  'lightning',
  '@prisma/client',
  'onnxruntime-node',
  'express',
  'pg',
  '@electric-sql/pglite',
];

/** Import patterns for a folder and everything in it, wherever it is imported from. */
const folders = (...names) => names.flatMap((name) => [`**/${name}`, `**/${name}/**`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'generated/**', '.data/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      // A plain or domain error thrown in workflow code fails the workflow task, which Temporal retries forever.
      'no-restricted-syntax': [
        'error',
        ...[
          'ThrowStatement > NewExpression',
          "ThrowStatement > CallExpression:not([callee.object.name='ApplicationFailure'][callee.property.name=/^(create|nonRetryable)$/])",
          'ThrowStatement > :matches(Literal, TemplateLiteral, ObjectExpression, ArrayExpression, BinaryExpression)',
        ].map((selector) => ({
          selector,
          message:
            'Workflow code throws no Error or domain error: return a result, or throw ApplicationFailure.create({ type: CODE, nonRetryable: true }).',
        })),
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({
            name,
            message: 'Workflows must stay deterministic: do I/O in activities.',
          })),
          patterns: [
            {
              group: [
                'node:*',
                'fs',
                'child_process',
                'net',
                'http',
                'https',
                'crypto',
                '../activities/*',
                '../db/*',
              ],
              message: 'Workflows must stay deterministic.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      // Every pure rule lives here: functions of their inputs, so workflows, the API and the audit call them alike.
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({ name, message: 'Domain rules are pure: do I/O in activities.' })),
          patterns: [
            {
              group: [
                'node:*',
                '!node:crypto',
                'fs',
                'child_process',
                'net',
                'http',
                'https',
                '@temporalio/*',
              ],
              message: 'Domain rules are pure: no I/O, no clock, no Temporal.',
            },
            {
              group: folders('activities', 'db', 'api', 'server', 'workflows'),
              message:
                'Domain rules import nothing from the layers that call them (types of workflow inputs aside).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['clients/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: folders('server', 'activities', 'db', 'api', 'workflows'),
              message: 'Clients import nothing from server code (the types of its answers aside).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: folders('api'),
              message:
                'The database layer imports nothing from the API: the stores it offers are in db/stores.ts.',
            },
          ],
        },
      ],
    },
  },
);
