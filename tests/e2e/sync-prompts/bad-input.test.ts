import { BadInput, badInputCorpus, hostile } from '../../helpers/bad-input';

const password = 'sync-pa55-s3cret';
const base = {
  'target-url': '{db}',
  'source-dir': 'prompts',
  table: 'prompts',
  'key-columns': 'name',
  mode: 'upsert',
};
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf';
const tunnelled = { ...base, tunnel: 'target', 'bastion-instance-id': 'i-0123456789abcdef0' };

const cases: BadInput[] = [
  { title: 'target-url mysql', inputs: { ...base, 'target-url': 'mysql://u:p@h/db' }, names: 'target-url' },
  { title: 'target-url not a URL', inputs: { ...base, 'target-url': 'not a url' }, names: 'target-url' },
  {
    title: 'target-url without a host',
    inputs: { ...base, 'target-url': 'postgres://' },
    names: 'target-url',
  },
  {
    title: 'target-url with a line break, password never shown',
    inputs: { ...base, 'target-url': `postgres://u:${password}@h/db\nx` },
    names: 'target-url',
    secret: password,
  },
  {
    title: 'target-url with a control character, password never shown',
    inputs: { ...base, 'target-url': `postgres://u:${password}@h/db\u0007` },
    names: 'target-url',
    secret: password,
  },
  {
    title: 'source-url with a bad scheme, password never shown',
    inputs: { ...base, 'source-dir': '', 'source-url': `http://u:${password}@h/db` },
    names: 'source-url',
    secret: password,
  },
  { title: 'no target', inputs: { ...base, 'target-url': '' }, names: 'target-url' },
  { title: 'no source', inputs: { ...base, 'source-dir': '' }, names: 'source-url' },
  { title: 'source-url and source-dir both', inputs: { ...base, 'source-url': '{db}' }, names: 'source-dir' },
  { title: 'restore and source-dir both', inputs: { ...base, restore: 'previous' }, names: 'restore' },
  { title: 'source-dir outside', inputs: { ...base, 'source-dir': '../outside' }, names: 'source-dir' },
  { title: 'source-dir absolute', inputs: { ...base, 'source-dir': '/etc' }, names: 'source-dir' },
  { title: 'source-dir missing', inputs: { ...base, 'source-dir': 'missing' }, names: 'source-dir' },
  { title: 'source-dir a file', inputs: { ...base, 'source-dir': 'Dockerfile' }, names: 'source-dir' },
  { title: 'restore last', inputs: { ...base, 'source-dir': '', restore: 'last' }, names: 'restore' },
  { title: 'restore a path', inputs: { ...base, 'source-dir': '', restore: '../x' }, names: 'restore' },
  ...hostile('table', 'prompts', base),
  { title: 'table with a space', inputs: { ...base, table: 'my prompts' }, names: 'table' },
  { title: 'table quoted', inputs: { ...base, table: '"prompts"' }, names: 'table' },
  { title: 'table of 64 characters', inputs: { ...base, table: 't'.repeat(64) }, names: 'table' },
  { title: 'key-columns only separators', inputs: { ...base, 'key-columns': ' , ,' }, names: 'key-columns' },
  {
    title: 'key-columns with a semicolon',
    inputs: { ...base, 'key-columns': 'name;drop' },
    names: 'key-columns',
  },
  { title: 'key-columns twice', inputs: { ...base, 'key-columns': 'name,name' }, names: 'key-columns' },
  { title: 'columns with a semicolon', inputs: { ...base, columns: 'content;x' }, names: 'columns' },
  {
    title: 'columns holding a key column',
    inputs: { ...base, columns: 'name,content' },
    names: 'columns',
    alsoNames: 'key-columns',
  },
  { title: 'table the target lacks', inputs: { ...base, table: 'no_such_table' }, names: 'table' },
  {
    title: 'key-columns naming a missing column',
    inputs: { ...base, 'key-columns': 'nope' },
    names: 'key-columns',
  },
  { title: 'columns naming a missing column', inputs: { ...base, columns: 'nope' }, names: 'columns' },
  {
    title: 'key-columns the prompt files lack',
    inputs: { ...base, 'key-columns': 'a\nb' },
    names: 'key-columns',
  },
  {
    title: 'target-secret-id an option',
    inputs: { ...base, 'target-url': '', 'target-secret-id': '--x' },
    names: 'target-secret-id',
  },
  { title: 'mode replace', inputs: { ...base, mode: 'replace' }, names: 'mode' },
  { title: 'force yes', inputs: { ...base, force: 'yes' }, names: 'force' },
  { title: 'dry-run 1', inputs: { ...base, 'dry-run': '1' }, names: 'dry-run' },
  { title: 'environment with a space', inputs: { ...base, environment: 'prod env' }, names: 'environment' },
  {
    title: 'target-name-pattern not a regular expression',
    inputs: { ...base, environment: 'production', 'target-name-pattern': '(' },
    names: 'target-name-pattern',
  },
  {
    title: 'target-name-pattern outside production',
    inputs: { ...base, 'target-name-pattern': '^app_prod$' },
    names: 'target-name-pattern',
    alsoNames: 'environment: production',
  },
  { title: 'keep-snapshots zero', inputs: { ...base, 'keep-snapshots': '0' }, names: 'keep-snapshots' },
  { title: 'keep-snapshots many', inputs: { ...base, 'keep-snapshots': 'many' }, names: 'keep-snapshots' },
  { title: 'tunnel all', inputs: { ...base, tunnel: 'all' }, names: 'tunnel' },
  {
    title: 'tunnel-mode without a tunnel',
    inputs: { ...base, 'tunnel-mode': 'vpn' },
    names: 'tunnel-mode',
    alsoNames: 'tunnel',
  },
  {
    title: 'bastion-instance-id without a tunnel',
    inputs: { ...base, 'bastion-instance-id': 'i-0123456789abcdef0' },
    names: 'bastion-instance-id',
    alsoNames: 'tunnel',
  },
  {
    title: 'ssh-endpoint without a tunnel',
    inputs: { ...base, 'ssh-endpoint': 'b:22' },
    names: 'ssh-endpoint',
    alsoNames: 'tunnel',
  },
  {
    title: 'tunnel with a short instance id',
    inputs: { ...tunnelled, 'bastion-instance-id': 'i-1' },
    names: 'bastion-instance-id',
  },
  {
    title: 'tunnel-mode ssh without a host key',
    inputs: { ...tunnelled, 'tunnel-mode': 'ssh' },
    names: 'ssh-host-key',
  },
  { title: 'tunnel-timeout zero', inputs: { ...tunnelled, 'tunnel-timeout': '0' }, names: 'tunnel-timeout' },
  {
    title: 'source-secret-id with a bang',
    inputs: { ...base, 'source-dir': '', 'source-secret-id': 'bad secret!' },
    names: 'source-secret-id',
  },
  {
    title: 'target-secret-id in another region',
    inputs: { ...base, 'target-url': '', 'target-secret-id': ARN.replace('us-east-1', 'eu-west-1') },
    names: 'target-secret-id',
  },
  {
    title: 'target-parameters reserved',
    inputs: { ...base, 'target-parameters': '/aws/x' },
    names: 'target-parameters',
  },
  { title: 'region that AWS lacks', inputs: { ...base, region: 'us-east-9' }, names: 'region' },
];

badInputCorpus('sync-prompts', cases);
