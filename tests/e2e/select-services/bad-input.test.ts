import { BadInput, badInputCorpus, hostile } from '../../helpers/bad-input';

const service = (extra = '', paths = "['services/api/**']") =>
  `- service: api\n  container: api\n  repository: team/api\n  paths: ${paths}\n${extra}`;
const base = { services: service(), base: 'HEAD~1', head: 'HEAD' };

const cases: BadInput[] = [
  { title: 'services empty', inputs: { ...base, services: '' }, names: 'services' },
  { title: 'services whitespace', inputs: { ...base, services: ' \n ' }, names: 'services' },
  { title: 'services not YAML', inputs: { ...base, services: '[unclosed' }, names: 'services' },
  { title: 'services a mapping', inputs: { ...base, services: 'service: api' }, names: 'services' },
  { title: 'services an empty list', inputs: { ...base, services: '[]' }, names: 'services' },
  { title: 'services a scalar', inputs: { ...base, services: 'api' }, names: 'services' },
  {
    title: 'services without paths',
    inputs: { ...base, services: '- service: api\n  container: api\n  repository: team/api' },
    names: 'services',
  },
  {
    title: 'services without container',
    inputs: { ...base, services: "- service: api\n  repository: team/api\n  paths: ['a/**']" },
    names: 'services',
  },
  { title: 'services with empty paths', inputs: { ...base, services: service('', '[]') }, names: 'services' },
  {
    title: 'services path outside',
    inputs: { ...base, services: service('', "['../x/**']") },
    names: 'services',
  },
  {
    title: 'services path absolute',
    inputs: { ...base, services: service('', "['/etc/**']") },
    names: 'services',
  },
  {
    title: 'services path unclosed bracket',
    inputs: { ...base, services: service('', "['[abc']") },
    names: 'services',
  },
  { title: 'services path empty', inputs: { ...base, services: service('', "['']") }, names: 'services' },
  {
    title: 'services the same service twice',
    inputs: { ...base, services: `${service()}${service()}` },
    names: 'services',
  },
  { title: 'services a BEL', inputs: { ...base, services: `${service()}\u0007` }, names: 'services' },
  {
    title: 'services 70 kB',
    inputs: { ...base, services: `# ${'x'.repeat(70_000)}\n${service()}` },
    names: 'services',
  },
  {
    title: 'services a number as name',
    inputs: { ...base, services: service().replace('service: api', 'service: 12') },
    names: 'services',
  },
  {
    title: 'services a misspelt key',
    inputs: { ...base, services: service('  contex: api\n') },
    names: 'services',
  },
  {
    title: 'services a repository in uppercase',
    inputs: { ...base, services: service().replace('team/api', 'Team/Api') },
    names: 'services',
  },
  {
    title: 'services a context outside',
    inputs: { ...base, services: service('  context: ../x\n') },
    names: 'services',
  },
  ...hostile('base', 'HEAD~1', base),
  { title: 'base -p', inputs: { ...base, base: '-p' }, names: 'base' },
  { title: 'base a range', inputs: { ...base, base: 'main..HEAD' }, names: 'base' },
  { title: 'base with a space', inputs: { ...base, base: 'main lock' }, names: 'base' },
  { title: 'base a reflog', inputs: { ...base, base: 'main@{1}' }, names: 'base' },
  { title: 'base a path in a tree', inputs: { ...base, base: 'HEAD:services.txt' }, names: 'base' },
  { title: 'base ending in .lock', inputs: { ...base, base: 'feature.lock' }, names: 'base' },
  { title: 'base with a semicolon', inputs: { ...base, base: 'main;ls' }, names: 'base' },
  { title: 'base a command substitution', inputs: { ...base, base: '$(touch pwned)' }, names: 'base' },
  { title: 'base a commit the checkout lacks', inputs: { ...base, base: 'deadbeefdeadbeef' }, names: 'base' },
  { title: 'base a branch the checkout lacks', inputs: { ...base, base: 'no-such-branch' }, names: 'base' },
  ...hostile('head', 'HEAD', base),
  { title: 'head a branch the checkout lacks', inputs: { ...base, head: 'release/9' }, names: 'head' },
  { title: 'head a glob', inputs: { ...base, head: 'feat*' }, names: 'head' },
  {
    title: 'migrations-paths unclosed bracket',
    inputs: { ...base, 'migrations-paths': 'db/[x' },
    names: 'migrations-paths',
  },
  {
    title: 'migrations-paths outside',
    inputs: { ...base, 'migrations-paths': '../db/**' },
    names: 'migrations-paths',
  },
  {
    title: 'migrations-paths with a right-to-left override',
    inputs: { ...base, 'migrations-paths': 'db/\u202e**' },
    names: 'migrations-paths',
  },
  {
    title: 'prompts-paths absolute',
    inputs: { ...base, 'prompts-paths': '/prompts/**' },
    names: 'prompts-paths',
  },
  {
    title: 'prompts-paths a control character',
    inputs: { ...base, 'prompts-paths': 'prompts/\u0001' },
    names: 'prompts-paths',
  },
];

badInputCorpus('select-services', cases);
