/**
 * The layer rules in eslint.config.mjs (docs/architecture.md, "The layers"): `npm test` checks that they
 * refuse an import that points up or across, and let through the imports the layers allow. Each case
 * lints one import as if it were a file at that path.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

const refused = [
  ['packages/kit/src/new.ts', '@slipway/ecs', /kit, the bottom layer, may import no other package/],
  ['packages/tunnel/src/new.ts', '@slipway/db', /The tunnel domain may import @slipway\/kit/],
  ['packages/db/src/new.ts', '@slipway/tunnel', /The db domain may import @slipway\/kit/],
  ['packages/ecs/src/new.ts', '@slipway/probe', /The ecs domain may import @slipway\/kit, @slipway\/ecr/],
  ['packages/ecr/src/new.ts', '@slipway/flows', /The ecr domain/],
  ['packages/db/src/new.ts', '@actions/core', /packages never import @actions/],
  ['packages/flows/src/new.ts', '@slipway/cli', /A flow may import/],
  ['packages/flows/src/new.ts', '../../../actions/common/runtime', /Nothing below actions\/ imports from it/],
  ['packages/flows/src/new.ts', '@actions/github', /packages never import @actions/],
  [
    'actions/common/new.ts',
    '@slipway/tunnel',
    /actions\/common may import @slipway\/flows and @slipway\/kit/,
  ],
  ['actions/sync-prompts/main.ts', '@slipway/sandbox', /never the sandbox/],
  ['actions/sync-prompts/main.ts', '../ecs-deploy/main', /never imports another adapter/],
  ['packages/runner/src/new.ts', '@actions/core', /only @actions\/workflow-parser/],
] as const;

const allowed = [
  ['packages/probe/src/new.ts', '@slipway/ecs'],
  ['packages/ecs/src/new.ts', '@slipway/ecr'],
  ['packages/tunnel/src/new.ts', '@slipway/kit'],
  ['packages/flows/src/new.ts', '@slipway/db'],
  ['packages/flows/src/new.ts', '@slipway/tunnel'],
  ['actions/common/new.ts', '@slipway/flows'],
  ['actions/common/new.ts', '@actions/core'],
  ['actions/run-migrations-via-bastion/main.ts', '@slipway/flows'],
  ['actions/run-migrations-via-bastion/main.ts', '../common/lifecycle'],
  ['packages/runner/src/new.ts', '@actions/workflow-parser'],
] as const;

/**
 * What no-restricted-imports says of each import, linted as a file at that path. ESLint loads its
 * config as an ES module, which jest's module system cannot, so one node process lints every case.
 */
let messages: Record<string, string | null>;
beforeAll(() => {
  const cases = [...refused, ...allowed].map(([file, from]) => [file, from]);
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint();
    const out = {};
    for (const [file, from] of ${JSON.stringify(cases)}) {
      const [result] = await eslint.lintText("import * as x from '" + from + "';\\nexport const y = x;\\n", { filePath: file });
      out[file + ' ' + from] = result.messages.find((m) => m.ruleId === 'no-restricted-imports')?.message ?? null;
    }
    console.log(JSON.stringify(out));`;
  messages = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }),
  );
}, 60_000);

test.each(refused)('%s may not import %s', (file, from, message) => {
  expect(messages[`${file} ${from}`]).toMatch(message);
});

test.each(allowed)('%s may import %s', (file, from) => {
  expect(messages[`${file} ${from}`]).toBeNull();
});
