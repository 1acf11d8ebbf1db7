import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../**/packages/*/src/*'], message: 'Import a package by its name.' }] },
      ],
    },
  },
  {
    files: ['packages/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@actions/*'], message: 'Domain packages never import @actions/*.' }] },
      ],
    },
  },
  {
    // The workflow runner is a double of GitHub's runner: it reads workflows with GitHub's own parser
    // and expression engine (and no other part of the toolkit).
    files: ['packages/runner/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@actions/*',
                '!@actions/workflow-parser',
                '!@actions/workflow-parser/**',
                '!@actions/expressions',
                '!@actions/expressions/**',
              ],
              message: 'The runner imports only @actions/workflow-parser and @actions/expressions.',
            },
          ],
        },
      ],
    },
  },
);
