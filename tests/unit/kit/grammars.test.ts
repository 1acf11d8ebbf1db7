import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Grammar,
  accountId,
  controlCharacterIn,
  ec2Id,
  ecrRepositoryName,
  ecsCluster,
  ecsService,
  endpoint,
  gitRevision,
  glob,
  hostname,
  imageRef,
  kmsKey,
  listenerArn,
  pathInside,
  port,
  region,
  secretId,
  ecrRegistryHost,
  sqlIdentifier,
  sqlTableName,
  ssmParameter,
  tagFilter,
  targetGroupArn,
  url,
} from '@slipway/kit';

const reason = (grammar: Grammar<unknown>, text: string): string | undefined => {
  try {
    grammar.parse(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

const table: [string, Grammar<unknown>, string[], string[]][] = [
  [
    'imageRef',
    imageRef,
    [
      'nginx',
      'nginx:1.25',
      'library/nginx:Latest_1',
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api:sha-abc',
      `localhost:5000/a/b@sha256:${'a'.repeat(64)}`,
      `nginx:1@sha256:${'0'.repeat(64)}`,
    ],
    [
      'NGINX:Latest',
      'bad image name',
      'nginx@sha256:abc',
      `nginx@sha256:${'g'.repeat(64)}`,
      'repo:',
      'nginx:.x',
      'nginx:-x',
      `nginx:${'t'.repeat(129)}`,
      'https://registry/app:1',
      'a//b',
      '',
    ],
  ],
  [
    'ecrRepositoryName',
    ecrRepositoryName,
    ['team/deals-api', 'ab', 'a.b_c-d/e'],
    ['a', 'Team/App', 'team//app', '-a', 'x.dkr.ecr.us-east-1.amazonaws.com/a'],
  ],
  [
    'region',
    region,
    ['us-east-1', 'eu-west-3', 'cn-north-1', 'us-gov-west-1'],
    ['us-east-9', 'mars-north-1', 'eu_west_1', 'US-EAST-1', ''],
  ],
  ['accountId', accountId, ['123456789012'], ['12345', 'abcdefghijkl', '1234567890123']],
  [
    'ecsCluster',
    ecsCluster,
    ['prod', 'prod_2-a', 'arn:aws:ecs:us-east-1:123456789012:cluster/prod'],
    [
      'prod cluster',
      '--force',
      'prоd',
      'c'.repeat(256),
      'arn:aws:s3:::prod',
      'arn:aws:ecs:us-east-1:123456789012:service/prod/web',
      'arn:aws:ecs:us-east-9:123456789012:cluster/prod',
      'arn:aws:ecs:us-east-1:1234:cluster/prod',
      'arn:aws:ecs:us-east-1:123456789012:cluster/',
    ],
  ],
  [
    'ecsService',
    ecsService,
    ['web', 'arn:aws-cn:ecs:cn-north-1:123456789012:service/prod/web'],
    ['web api', 'arn:aws:ecs:us-east-1:123456789012:cluster/prod'],
  ],
  [
    'targetGroupArn',
    targetGroupArn,
    ['arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef'],
    [
      'web',
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef',
      'arn:aws:ec2:us-east-1:123456789012:targetgroup/web/1',
    ],
  ],
  [
    'listenerArn',
    listenerArn,
    [
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123456789abcdef/0123456789abcdef',
    ],
    ['arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef'],
  ],
  [
    'kmsKey',
    kmsKey,
    [
      'alias/ecr',
      '1234abcd-12ab-34cd-56ef-1234567890ab',
      'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ],
    ['my key', 'arn:aws:s3:::b', 'alias/'],
  ],
  [
    'ec2Id(i)',
    ec2Id('i'),
    ['i-0123456789abcdef0', 'i-01234567'],
    ['i-123', 'i-0123456789ABCDEF0', 'sg-01234567', 'bastion'],
  ],
  [
    'ssmParameter',
    ssmParameter,
    ['/app/db/', 'app-db', 'arn:aws:ssm:us-east-1:123456789012:parameter/app/db'],
    ['/aws/x', 'ssm-x', '/app db', '/a//b', '--x', '../../etc/passwd', `/${'a/'.repeat(16)}`],
  ],
  [
    'secretId',
    secretId,
    ['prod/db', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf'],
    ['bad secret!', 'arn:aws:ssm:us-east-1:123456789012:parameter/db', '', '--x', '../../etc/passwd'],
  ],
  [
    'hostname',
    hostname,
    ['db.internal', '10.0.1.5', '::1', 'localhost'],
    ['db host', 'db..internal', '-oProxyCommand=id', '999.1.1.1', 'a'.repeat(64)],
  ],
  ['port', port, ['1', '22', '65535'], ['0', '65536', '99999', '-1', '22a', '']],
  ['tagFilter', tagFilter, ['Role=bastion'], ['Role', '=x', 'Role=']],
  [
    'url(http, https)',
    url(['http', 'https']),
    ['https://a.example.com/x', 'http://127.0.0.1:8080/'],
    ['ftp://x', 'not a url', 'javascript:alert(1)', 'https://', '/relative'],
  ],
  [
    'sqlIdentifier',
    sqlIdentifier,
    ['prompts', '_x', 'uuid-ossp'],
    ['1x', 'a;drop', '"x"', 't'.repeat(64), 'a b'],
  ],
  [
    'sqlTableName',
    sqlTableName,
    ['prompts', 'app.prompts', 'Coach_prompts'],
    ['a.b.c', 'app.', '.prompts', 'app.1x', 'app;drop.x'],
  ],
  [
    'gitRevision',
    gitRevision,
    ['main', 'HEAD~1', 'HEAD^2', 'origin/main', 'v1.2.3', 'abc1234', 'feature/x+y'],
    [
      '--output=x',
      '-p',
      'a..b',
      'x@{1}',
      'HEAD:file',
      'x.lock',
      '/main',
      'main/',
      'main;ls',
      '$(id)',
      'feat*',
      'a b',
    ],
  ],
  ['glob', glob, ['services/api/**', '!**/*.md', '*.{js,ts}'], ['[abc', '../x/**', '/etc/**', '!', '']],
];

describe.each(table)('%s', (_name, grammar, valid, invalid) => {
  test.each(valid)('accepts %j', (text) => {
    expect(reason(grammar, text)).toBeUndefined();
  });
  test.each(invalid)('refuses %j, saying why', (text) => {
    expect(reason(grammar, text)).toMatch(/\S/);
  });
});

test('endpoint reads host and port, IPv6 in brackets, and refuses ports outside 1–65535', () => {
  expect(endpoint.parse('bastion.internal:2222')).toEqual({ host: 'bastion.internal', port: 2222 });
  expect(endpoint.parse('10.0.1.5')).toEqual({ host: '10.0.1.5', port: undefined });
  expect(endpoint.parse('[::1]:22')).toEqual({ host: '::1', port: 22 });
  for (const bad of ['host:0', 'host:99999', ':22', 'bad host:22', 'host:2x']) {
    expect(reason(endpoint, bad)).toMatch(/\S/);
  }
});

test('a single-line value refuses line breaks and control characters; a multi-line one only control characters', () => {
  expect(controlCharacterIn('a\nb', true)).toBe('a line break');
  expect(controlCharacterIn('a\u0007', true)).toBe('the control character U+0007');
  expect(controlCharacterIn('a\tb', true)).toBe('the control character U+0009');
  expect(controlCharacterIn('a\r\nb\tc', false)).toBeUndefined();
  expect(controlCharacterIn('a\u001bb', false)).toBe('the control character U+001B');
  expect(controlCharacterIn('plain', true)).toBeUndefined();
  // Bidirectional overrides make text read otherwise than it runs.
  expect(controlCharacterIn('a\u202eb', false)).toBe('the control character U+202E');
});

describe('pathInside', () => {
  let root: string;
  let workspace: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'slipway-path-'));
    workspace = join(root, 'ws');
    mkdirSync(join(workspace, 'db'), { recursive: true });
    mkdirSync(join(root, 'outside'));
    symlinkSync(join(root, 'outside'), join(workspace, 'escape'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('resolves relative paths inside the workspace', () => {
    expect(pathInside(workspace).parse('db')).toBe(join(workspace, 'db'));
    expect(pathInside(workspace).parse('db/../db/x.sql')).toBe(join(workspace, 'db', 'x.sql'));
    expect(pathInside(workspace).parse('.')).toBe(workspace);
  });

  test.each(['../outside', '/etc', 'db/../../outside', '..'])('refuses %j', (text) => {
    expect(reason(pathInside(workspace), text)).toBe('is outside the workspace');
  });

  test('refuses a symbolic link that leads outside', () => {
    expect(reason(pathInside(workspace), 'escape')).toBe(
      'leads outside the workspace through a symbolic link',
    );
  });
});

test('an ECR registry host names its account and region (FIPS and China too); any other host is not ECR', () => {
  expect(ecrRegistryHost('123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toEqual({
    registryId: '123456789012',
    region: 'eu-west-1',
  });
  expect(ecrRegistryHost('123456789012.dkr.ecr-fips.us-east-1.amazonaws.com')?.region).toBe('us-east-1');
  expect(ecrRegistryHost('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn')?.region).toBe('cn-north-1');
  for (const host of ['ghcr.io', 'public.ecr.aws', '12345.dkr.ecr.us-east-1.amazonaws.com', 'localhost:5000'])
    expect(ecrRegistryHost(host)).toBeUndefined();
});
