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
);
