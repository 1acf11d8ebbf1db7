import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * The layers, top to bottom (docs/architecture.md draws them): an import only points down.
 *   actions/<name>/main.ts  adapters: read inputs → call one flow → outputs → summary
 *   actions/common/         the one action lifecycle and the GitHub side of every action
 *   packages/flows/         one function per action: the use case, composing the domains
 *   packages/<domain>/      ecr, ecs, tunnel, db, probe, pipeline: none knows another's job
 *   packages/kit/           inputs, errors, logging, summaries, state, waiting, AWS clients
 * Beside them: sandbox (the local AWS control plane), cli (the bundles run locally) and runner (the
 * workflow runner's double).
 */
const byName = { group: ['../**/packages/*/src/*'], message: 'Import a package by its name.' };
const noToolkit = {
  group: ['@actions/*'],
  message: 'Only actions/ talks to GitHub: packages never import @actions/*.',
};
const domains = ['ecr', 'ecs', 'tunnel', 'db', 'probe', 'pipeline'];

/** Imports of @slipway/* packages other than `allowed` (and relative imports into actions/) are refused. */
function layer(files, what, allowed, extra = []) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            byName,
            ...extra,
            {
              group: [
                '@slipway/*',
                ...allowed.flatMap((name) => [`!@slipway/${name}`, `!@slipway/${name}/**`]),
              ],
              message: `${what} may import ${allowed.map((name) => `@slipway/${name}`).join(', ') || 'no other package'} (docs/architecture.md, "The layers").`,
            },
            { group: ['**/actions/*', '**/actions/**'], message: 'Nothing below actions/ imports from it.' },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [byName] }],
    },
  },
  layer(['packages/kit/**/*.ts'], 'kit, the bottom layer,', [], [noToolkit]),
  // probe checks a service through ecs's lookup; ecs's order check reads an image's commit through ecr.
  ...domains.map((name) =>
    layer(
      [`packages/${name}/**/*.ts`],
      `The ${name} domain`,
      ['kit', ...({ probe: ['ecs'], ecs: ['ecr'] }[name] ?? [])],
      [noToolkit],
    ),
  ),
  layer(['packages/flows/**/*.ts'], 'A flow', ['kit', ...domains], [noToolkit]),
  layer(['packages/sandbox/**/*.ts'], 'The sandbox', ['kit', 'tunnel'], [noToolkit]),
  layer(['packages/cli/**/*.ts'], 'The CLI', ['kit', 'sandbox'], [noToolkit]),
  {
    // The workflow runner is a double of GitHub's runner: it reads workflows with GitHub's own parser
    // and expression engine (and no other part of the toolkit), and runs steps as the CLI does.
    ...layer(
      ['packages/runner/**/*.ts'],
      'The workflow runner',
      ['kit', 'cli'],
      [
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
    ),
  },
  {
    files: ['actions/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            byName,
            {
              group: ['@slipway/*', '!@slipway/flows', '!@slipway/kit'],
              message:
                'actions/common may import @slipway/flows and @slipway/kit (docs/architecture.md, "The layers").',
            },
            { group: ['../*/main', '../*/main.ts'], message: 'actions/common never imports an adapter.' },
          ],
        },
      ],
    },
  },
  {
    // Adapters read inputs and render reports with their domain's readers, and call one flow.
    files: ['actions/*/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            byName,
            {
              group: [
                '@slipway/sandbox',
                '@slipway/sandbox/**',
                '@slipway/cli',
                '@slipway/cli/**',
                '@slipway/runner',
                '@slipway/runner/**',
              ],
              message:
                'An action imports flows, domains, kit and actions/common: never the sandbox, the CLI or the workflow runner.',
            },
            { group: ['../*/main', '../*/main.ts'], message: 'An adapter never imports another adapter.' },
          ],
        },
      ],
    },
  },
);
