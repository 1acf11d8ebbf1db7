import { BadInput, badInputCorpus, hostile } from '../../helpers/bad-input';

const base = { repository: 'team/app', context: '.', platform: 'linux/amd64', cache: 'true' };
const secret = 'build-s3cr3t-9f8e7d';

const cases: BadInput[] = [
  { title: 'repository empty', inputs: { ...base, repository: '' }, names: 'repository' },
  { title: 'repository whitespace', inputs: { ...base, repository: '  ' }, names: 'repository' },
  { title: 'repository uppercase', inputs: { ...base, repository: 'Team/App' }, names: 'repository' },
  { title: 'repository of one character', inputs: { ...base, repository: 'a' }, names: 'repository' },
  {
    title: 'repository a URI',
    inputs: { ...base, repository: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app' },
    names: 'repository',
  },
  {
    title: 'repository with an empty segment',
    inputs: { ...base, repository: 'team//app' },
    names: 'repository',
  },
  {
    title: 'repository ending in a slash',
    inputs: { ...base, repository: 'team/app/' },
    names: 'repository',
  },
  { title: 'repository starting with a dash', inputs: { ...base, repository: '-app' }, names: 'repository' },
  { title: 'repository with an accent', inputs: { ...base, repository: 'tëam/app' }, names: 'repository' },
  ...hostile('repository', 'team/app', base),
  { title: 'environment prod', inputs: { ...base, environment: 'prod' }, names: 'environment' },
  {
    title: 'tag-mutability lowercase',
    inputs: { ...base, 'tag-mutability': 'mutable' },
    names: 'tag-mutability',
  },
  { title: 'tags with a space', inputs: { ...base, tags: 'my tag' }, names: 'tags' },
  { title: 'tags starting with a dot', inputs: { ...base, tags: '.hidden' }, names: 'tags' },
  { title: 'tags of 129 characters', inputs: { ...base, tags: 't'.repeat(129) }, names: 'tags' },
  { title: 'tags twice the same', inputs: { ...base, tags: 'v1\nv1' }, names: 'tags' },
  { title: 'tags an option', inputs: { ...base, tags: '--push' }, names: 'tags' },
  { title: 'context outside the workspace', inputs: { ...base, context: '../outside' }, names: 'context' },
  { title: 'context absolute', inputs: { ...base, context: '/etc' }, names: 'context' },
  { title: 'context missing', inputs: { ...base, context: 'missing-dir' }, names: 'context' },
  {
    title: 'dockerfile outside the workspace',
    inputs: { ...base, dockerfile: '../outside/task.json' },
    names: 'dockerfile',
  },
  { title: 'dockerfile a directory', inputs: { ...base, dockerfile: 'db' }, names: 'dockerfile' },
  { title: 'dockerfile missing', inputs: { ...base, dockerfile: 'missing/Dockerfile' }, names: 'dockerfile' },
  { title: 'platform darwin', inputs: { ...base, platform: 'darwin/arm64' }, names: 'platform' },
  {
    title: 'platform of 3000 characters',
    inputs: { ...base, platform: 'p'.repeat(3000) },
    names: 'platform',
  },
  { title: 'platform twice', inputs: { ...base, platform: 'linux/amd64,linux/amd64' }, names: 'platform' },
  {
    title: 'build-args name with a digit first',
    inputs: { ...base, 'build-args': '1X=y' },
    names: 'build-args',
  },
  {
    title: 'build-args line without "="',
    inputs: { ...base, 'build-args': 'NOEQUALS' },
    names: 'build-args',
  },
  {
    title: 'build-secrets line without "=" is never shown',
    inputs: { ...base, 'build-secrets': secret },
    names: 'build-secrets',
    secret,
  },
  {
    title: 'build-secrets bad id, value never shown',
    inputs: { ...base, 'build-secrets': `bad id=${secret}` },
    names: 'build-secrets',
    secret,
  },
  { title: 'target with a space', inputs: { ...base, target: 'build stage' }, names: 'target' },
  { title: 'target an option', inputs: { ...base, target: '--target=x' }, names: 'target' },
  { title: 'labels key with a space', inputs: { ...base, labels: 'bad key=v' }, names: 'labels' },
  { title: 'cache maybe', inputs: { ...base, cache: 'maybe' }, names: 'cache' },
  {
    title: 'promote-from short digest',
    inputs: { ...base, 'promote-from': 'app@sha256:abc' },
    names: 'promote-from',
  },
  {
    title: 'promote-from uppercase repository',
    inputs: { ...base, 'promote-from': 'Team/App:1' },
    names: 'promote-from',
  },
  { title: 'promote-from empty tag', inputs: { ...base, 'promote-from': 'app:' }, names: 'promote-from' },
  {
    title: 'promote-from tag with a space',
    inputs: { ...base, 'promote-from': 'app:a b' },
    names: 'promote-from',
  },
  {
    title: 'promote-from with a dockerfile',
    inputs: { ...base, 'promote-from': 'sha-1234567', dockerfile: 'Dockerfile' },
    names: 'dockerfile',
    alsoNames: 'promote-from',
  },
  {
    title: 'promote-from with build-args',
    inputs: { ...base, 'promote-from': 'sha-1234567', 'build-args': 'A=1' },
    names: 'build-args',
    alsoNames: 'promote-from',
  },
  {
    title: 'registry a URL',
    inputs: { ...base, registry: 'https://registry.example.com' },
    names: 'registry',
  },
  {
    title: 'registry port 99999',
    inputs: { ...base, registry: 'registry.example.com:99999' },
    names: 'registry',
  },
  { title: 'registry port 0', inputs: { ...base, registry: 'registry.example.com:0' }, names: 'registry' },
  { title: 'registry-id short', inputs: { ...base, 'registry-id': '12345' }, names: 'registry-id' },
  { title: 'registry-id letters', inputs: { ...base, 'registry-id': 'abcdefghijkl' }, names: 'registry-id' },
  {
    title: 'region other than the registry host',
    inputs: { ...base, registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', region: 'us-east-1' },
    names: 'region',
    alsoNames: 'registry',
  },
  { title: 'keep-images zero', inputs: { ...base, 'keep-images': '0' }, names: 'keep-images' },
  { title: 'keep-images all', inputs: { ...base, 'keep-images': 'all' }, names: 'keep-images' },
  { title: 'kms-key with a space', inputs: { ...base, 'kms-key': 'my key' }, names: 'kms-key' },
  { title: 'kms-key an S3 ARN', inputs: { ...base, 'kms-key': 'arn:aws:s3:::bucket' }, names: 'kms-key' },
  { title: 'region that AWS lacks', inputs: { ...base, region: 'us-east-9' }, names: 'region' },
  { title: 'region with underscores', inputs: { ...base, region: 'eu_west_1' }, names: 'region' },
];

badInputCorpus('build-push-ecr', cases);
