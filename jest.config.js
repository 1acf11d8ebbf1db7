// TypeScript and the ESM-only @actions/* toolkit are compiled to CommonJS by SWC, so one
// module setup serves jest while ncc bundles the same sources for the actions.
const transform = {
  '^.+\\.(t|j|mj)s$': [
    '@swc/jest',
    { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
  ],
};
const transformIgnorePatterns = [
  'node_modules/(?!(@actions|@octokit|universal-user-agent|before-after-hook)/)',
];
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  testMatch: [`<rootDir>/tests/${name}/**/*.test.ts`],
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [project('unit'), project('integration'), project('e2e')],
  testTimeout: 60_000,
};
