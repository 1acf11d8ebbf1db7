// TypeScript and the ESM-only @actions/* toolkit are compiled to CommonJS by SWC, so one
// module setup serves jest while ncc bundles the same sources for the actions.
const transform = {
  '^.+\\.(t|j|mj)s$': [
    '@swc/jest',
    { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
  ],
};
const transformIgnorePatterns = [
  'node_modules/(?!(@actions|@octokit|universal-user-agent|before-after-hook|content-type|json-with-bigint|marked|string-width|strip-ansi|ansi-regex|get-east-asian-width)/)',
];
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  testMatch: [`<rootDir>/tests/${name}/**/*.test.ts`],
  // These publish only an "import" export; jest resolves for require, so point it at the files.
  moduleNameMapper: {
    '^@actions/(workflow-parser|expressions)$': '<rootDir>/node_modules/@actions/$1/dist/index.js',
    '^@actions/(workflow-parser|expressions)/(.+)$': '<rootDir>/node_modules/@actions/$1/dist/$2.js',
    '^@actions/github$': '<rootDir>/node_modules/@actions/github/lib/github.js',
    '^@actions/(core|exec|io)$': '<rootDir>/node_modules/@actions/$1/lib/$1.js',
    '^@actions/http-client$': '<rootDir>/node_modules/@actions/http-client/lib/index.js',
    '^@actions/(http-client|io)/lib/(.+)$': '<rootDir>/node_modules/@actions/$1/lib/$2.js',
  },
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  // The servers and tools the integration and end-to-end tests run are checked before any test starts.
  projects: [
    project('unit'),
    project('integration', { globalSetup: '<rootDir>/tests/helpers/prerequisites.ts' }),
    project('e2e', { globalSetup: '<rootDir>/tests/helpers/prerequisites.ts' }),
  ],
  testTimeout: 60_000,
  // Most of the suite waits on servers, sandboxes and child processes rather than the CPU, so it runs more
  // files at once than jest's default of one per core but one (a single worker on two cores).
  maxWorkers: Math.max(3, require('node:os').availableParallelism() - 1),
};
