import { BadInput, badInputCorpus, hostile } from '../../helpers/bad-input';

const password = 'pa55-w0rd-s3cret';
const base = {
  mode: 'ssm',
  'bastion-instance-id': 'i-0123456789abcdef0',
  'db-host': 'db.internal',
  'db-port': '5432',
  'db-user': 'app',
  'db-password': password,
  'db-name': 'app',
  'migrations-dir': 'db/migrations',
  'ssh-user': 'ec2-user',
  'tunnel-timeout': '30',
  'lock-timeout': '300',
  region: 'us-east-1',
};
const ssh = {
  ...base,
  mode: 'ssh',
  'ssh-endpoint': '127.0.0.1:2222',
  'ssh-host-key': 'SHA256:' + 'A'.repeat(43),
};
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf';

const cases: BadInput[] = [
  { title: 'mode vpn', inputs: { ...base, mode: 'vpn' }, names: 'mode' },
  {
    title: 'bastion-instance-id short',
    inputs: { ...base, 'bastion-instance-id': 'i-123' },
    names: 'bastion-instance-id',
  },
  {
    title: 'bastion-instance-id a name',
    inputs: { ...base, 'bastion-instance-id': 'bastion-1' },
    names: 'bastion-instance-id',
  },
  {
    title: 'bastion-instance-id uppercase',
    inputs: { ...base, 'bastion-instance-id': 'i-0123456789ABCDEF0' },
    names: 'bastion-instance-id',
  },
  { title: 'bastion-tag without "="', inputs: { ...base, 'bastion-tag': 'Role' }, names: 'bastion-tag' },
  {
    title: 'bastion-tag without a key',
    inputs: { ...base, 'bastion-tag': '=bastion' },
    names: 'bastion-tag',
  },
  {
    title: 'ssh-endpoint port 99999',
    inputs: { ...ssh, 'ssh-endpoint': '127.0.0.1:99999' },
    names: 'ssh-endpoint',
  },
  {
    title: 'ssh-endpoint port 0',
    inputs: { ...ssh, 'ssh-endpoint': 'bastion.internal:0' },
    names: 'ssh-endpoint',
  },
  { title: 'ssh-endpoint without a host', inputs: { ...ssh, 'ssh-endpoint': ':22' }, names: 'ssh-endpoint' },
  {
    title: 'ssh-endpoint with a space',
    inputs: { ...ssh, 'ssh-endpoint': 'bad host:22' },
    names: 'ssh-endpoint',
  },
  {
    title: 'ssh-endpoint an option',
    inputs: { ...ssh, 'ssh-endpoint': '-oProxyCommand=id' },
    names: 'ssh-endpoint',
  },
  {
    title: 'ssh-endpoint in ssm mode',
    inputs: { ...base, 'ssh-endpoint': 'bastion.internal:22' },
    names: 'ssh-endpoint',
    alsoNames: 'mode: ssh',
  },
  {
    title: 'ssh-host-key in ssm mode',
    inputs: { ...base, 'ssh-host-key': ssh['ssh-host-key'] },
    names: 'ssh-host-key',
  },
  { title: 'ssh mode without a host key', inputs: { ...ssh, 'ssh-host-key': '' }, names: 'ssh-host-key' },
  {
    title: 'ssh-private-key not a key, never shown',
    inputs: { ...ssh, 'ssh-private-key': `not-a-key-${password}` },
    names: 'ssh-private-key',
    secret: password,
  },
  {
    title: 'ssh-private-key armoured garbage, never shown',
    inputs: {
      ...ssh,
      'ssh-private-key': `-----BEGIN OPENSSH PRIVATE KEY-----\n${password}!!\n-----END OPENSSH PRIVATE KEY-----`,
    },
    names: 'ssh-private-key',
    secret: password,
  },
  {
    title: 'ssh-private-key a PEM key that does not parse',
    inputs: {
      ...ssh,
      'ssh-private-key': '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----',
    },
    names: 'ssh-private-key',
  },
  { title: 'ssh-user with a semicolon', inputs: { ...ssh, 'ssh-user': 'root;id' }, names: 'ssh-user' },
  { title: 'tunnel-timeout zero', inputs: { ...base, 'tunnel-timeout': '0' }, names: 'tunnel-timeout' },
  { title: 'tunnel-timeout a day', inputs: { ...base, 'tunnel-timeout': '86400' }, names: 'tunnel-timeout' },
  ...hostile('db-host', 'db.internal', base),
  { title: 'db-host with a space', inputs: { ...base, 'db-host': 'db host' }, names: 'db-host' },
  { title: 'db-host with an empty label', inputs: { ...base, 'db-host': 'db..internal' }, names: 'db-host' },
  { title: 'db-host a URL', inputs: { ...base, 'db-host': 'postgres://db.internal' }, names: 'db-host' },
  { title: 'db-port zero', inputs: { ...base, 'db-port': '0' }, names: 'db-port' },
  { title: 'db-port 99999', inputs: { ...base, 'db-port': '99999' }, names: 'db-port' },
  { title: 'db-port a word', inputs: { ...base, 'db-port': 'pg' }, names: 'db-port' },
  { title: 'db-user with a space', inputs: { ...base, 'db-user': 'app user' }, names: 'db-user' },
  {
    title: 'db-password with a line break, never shown',
    inputs: { ...base, 'db-password': `${password}\nx` },
    names: 'db-password',
    secret: password,
  },
  { title: 'db-name with a semicolon', inputs: { ...base, 'db-name': 'app;drop' }, names: 'db-name' },
  {
    title: 'db-secret-id with a space',
    inputs: { ...base, 'db-secret-id': 'my secret' },
    names: 'db-secret-id',
  },
  {
    title: 'db-secret-id in another region',
    inputs: { ...base, 'db-secret-id': SECRET_ARN.replace('us-east-1', 'eu-west-1') },
    names: 'db-secret-id',
    alsoNames: 'region',
  },
  {
    title: 'db-secret-id a parameter ARN',
    inputs: { ...base, 'db-secret-id': 'arn:aws:ssm:us-east-1:123456789012:parameter/db' },
    names: 'db-secret-id',
  },
  {
    title: 'db-secret-id a path out',
    inputs: { ...base, 'db-secret-id': '../../etc/passwd' },
    names: 'db-secret-id',
  },
  { title: 'db-parameters an option', inputs: { ...base, 'db-parameters': '--x' }, names: 'db-parameters' },
  {
    title: 'db-parameters with a space',
    inputs: { ...base, 'db-parameters': '/app/db host' },
    names: 'db-parameters',
  },
  {
    title: 'db-parameters reserved',
    inputs: { ...base, 'db-parameters': '/aws/reference/x' },
    names: 'db-parameters',
  },
  { title: 'db-ssl on', inputs: { ...base, 'db-ssl': 'on' }, names: 'db-ssl' },
  {
    title: 'migrations-dir outside',
    inputs: { ...base, 'migrations-dir': '../outside' },
    names: 'migrations-dir',
  },
  {
    title: 'migrations-dir absolute',
    inputs: { ...base, 'migrations-dir': '/etc' },
    names: 'migrations-dir',
  },
  {
    title: 'migrations-dir missing',
    inputs: { ...base, 'migrations-dir': 'db/missing' },
    names: 'migrations-dir',
  },
  {
    title: 'migrations-dir a file',
    inputs: { ...base, 'migrations-dir': 'Dockerfile' },
    names: 'migrations-dir',
  },
  {
    title: 'history-table with a semicolon',
    inputs: { ...base, 'history-table': 'h;drop' },
    names: 'history-table',
  },
  {
    title: 'history-table without migrations-dir',
    inputs: { ...base, 'migrations-dir': '', command: 'true', 'history-table': 'history' },
    names: 'history-table',
    alsoNames: 'migrations-dir',
  },
  { title: 'lock-timeout negative', inputs: { ...base, 'lock-timeout': '-1' }, names: 'lock-timeout' },
  {
    title: 'reset-confirmation without reset',
    inputs: { ...base, 'reset-confirmation': 'app' },
    names: 'reset-confirmation',
    alsoNames: 'reset',
  },
  { title: 'reset without a confirmation', inputs: { ...base, reset: 'true' }, names: 'reset-confirmation' },
  {
    title: 'reset confirmed with another name',
    inputs: { ...base, reset: 'true', 'reset-confirmation': 'other' },
    names: 'reset-confirmation',
  },
  {
    title: 'reset in production without allow-production-reset',
    inputs: { ...base, reset: 'true', 'reset-confirmation': 'app', environment: 'production' },
    names: 'allow-production-reset',
  },
  { title: 'environment with a space', inputs: { ...base, environment: 'prod env' }, names: 'environment' },
  {
    title: 'extensions with a semicolon',
    inputs: { ...base, extensions: 'uuid-ossp;drop' },
    names: 'extensions',
  },
  { title: 'nothing to run', inputs: { ...base, 'migrations-dir': '' }, names: 'command' },
  { title: 'region that AWS lacks', inputs: { ...base, region: 'us-east-9' }, names: 'region' },
];

badInputCorpus('run-migrations-via-bastion', cases);
