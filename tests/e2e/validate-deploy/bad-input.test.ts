import { BadInput, badInputCorpus, hostile } from '../../helpers/bad-input';

const base = { cluster: 'prod', services: 'web', 'expected-status': '200', timeout: '120' };
const http = { ...base, urls: 'https://api.example.com/health' };
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const token = 'tok3n-5ecret-abc123';

const cases: BadInput[] = [
  { title: 'cluster with a space', inputs: { ...base, cluster: 'prod cluster' }, names: 'cluster' },
  { title: 'cluster an S3 ARN', inputs: { ...base, cluster: 'arn:aws:s3:::prod' }, names: 'cluster' },
  ...hostile('cluster', 'prod', base),
  { title: 'services twice the same', inputs: { ...base, services: 'web,web' }, names: 'services' },
  { title: 'services with a space', inputs: { ...base, services: 'web api' }, names: 'services' },
  { title: 'services an option', inputs: { ...base, services: '--all' }, names: 'services' },
  { title: 'services only separators', inputs: { ...base, services: ', ,' }, names: 'services' },
  { title: 'services without cluster', inputs: { ...base, cluster: '' }, names: 'cluster' },
  {
    title: 'cluster without services',
    inputs: { cluster: 'prod', urls: 'https://a.example.com' },
    names: 'cluster',
    alsoNames: 'services',
  },
  { title: 'nothing to validate', inputs: { 'expected-status': '200', timeout: '120' }, names: 'services' },
  {
    title: 'task-definition-arn malformed',
    inputs: { ...base, 'task-definition-arn': 'web rev 3' },
    names: 'task-definition-arn',
  },
  {
    title: 'task-definition-arn an option',
    inputs: { ...base, 'task-definition-arn': '--x' },
    names: 'task-definition-arn',
  },
  { title: 'since yesterday', inputs: { ...base, since: 'yesterday' }, names: 'since' },
  { title: 'since an impossible date', inputs: { ...base, since: '2025-13-45' }, names: 'since' },
  {
    title: 'since without services',
    inputs: { urls: 'https://a.example.com', since: '1748779200' },
    names: 'since',
  },
  {
    title: 'target-group-arns a name',
    inputs: { ...base, 'target-group-arns': 'web' },
    names: 'target-group-arns',
  },
  {
    title: 'target-group-arns in another region',
    inputs: { ...base, 'target-group-arns': TG.replace('us-east-1', 'eu-west-1') },
    names: 'target-group-arns',
  },
  {
    title: 'target-group-arns a listener',
    inputs: { ...base, 'target-group-arns': TG.replace('targetgroup/', 'listener/app/') },
    names: 'target-group-arns',
  },
  {
    title: 'target-group-arns twice',
    inputs: { ...base, 'target-group-arns': `${TG}\n${TG}` },
    names: 'target-group-arns',
  },
  { title: 'urls port 0', inputs: { ...base, urls: 'http://127.0.0.1:0/health' }, names: 'urls' },
  { title: 'urls port 99999', inputs: { ...base, urls: 'http://127.0.0.1:99999/health' }, names: 'urls' },
  { title: 'urls ftp', inputs: { ...base, urls: 'ftp://files.example.com/x' }, names: 'urls' },
  { title: 'urls not a URL', inputs: { ...base, urls: 'not a url' }, names: 'urls' },
  { title: 'urls a relative path', inputs: { ...base, urls: '/health' }, names: 'urls' },
  { title: 'urls javascript:', inputs: { ...base, urls: 'javascript:alert(1)' }, names: 'urls' },
  {
    title: 'urls with a control character',
    inputs: { ...base, urls: 'https://a.example.com/\u0007' },
    names: 'urls',
  },
  {
    title: 'urls with credentials never shown',
    inputs: { ...base, urls: `https://user:${token}@/nohost` },
    names: 'urls',
    secret: token,
  },
  { title: 'expected-status 99', inputs: { ...http, 'expected-status': '99' }, names: 'expected-status' },
  { title: 'expected-status 600', inputs: { ...http, 'expected-status': '600' }, names: 'expected-status' },
  { title: 'expected-status ok', inputs: { ...http, 'expected-status': 'ok' }, names: 'expected-status' },
  {
    title: 'expected-status without urls',
    inputs: { ...base, 'expected-status': '204' },
    names: 'expected-status',
    alsoNames: 'urls',
  },
  {
    title: 'json-expectations malformed',
    inputs: { ...http, 'json-expectations': '$.version ~ 1' },
    names: 'json-expectations',
  },
  {
    title: 'json-expectations without urls',
    inputs: { ...base, 'json-expectations': '$.a == 1' },
    names: 'json-expectations',
    alsoNames: 'urls',
  },
  {
    title: 'headers line without a colon, token never shown',
    inputs: { ...http, headers: `Authorization Bearer ${token}` },
    names: 'headers',
    secret: token,
  },
  {
    title: 'headers value with a BEL, token never shown',
    inputs: { ...http, headers: `Authorization: Bearer ${token}\u0007` },
    names: 'headers',
    secret: token,
  },
  {
    title: 'headers without urls',
    inputs: { ...base, headers: 'X-A: 1' },
    names: 'headers',
    alsoNames: 'urls',
  },
  {
    title: 'insecure-skip-tls-verify yes',
    inputs: { ...http, 'insecure-skip-tls-verify': 'yes' },
    names: 'insecure-skip-tls-verify',
  },
  {
    title: 'insecure-skip-tls-verify without urls',
    inputs: { ...base, 'insecure-skip-tls-verify': 'true' },
    names: 'insecure-skip-tls-verify',
    alsoNames: 'urls',
  },
  { title: 'request-timeout zero', inputs: { ...http, 'request-timeout': '0' }, names: 'request-timeout' },
  {
    title: 'request-timeout above timeout',
    inputs: { ...http, 'request-timeout': '200' },
    names: 'request-timeout',
    alsoNames: 'timeout',
  },
  { title: 'latency-samples zero', inputs: { ...http, 'latency-samples': '0' }, names: 'latency-samples' },
  {
    title: 'latency-p95-max-ms without urls',
    inputs: { ...base, 'latency-p95-max-ms': '300' },
    names: 'latency-p95-max-ms',
    alsoNames: 'urls',
  },
  {
    title: 'latency-p95-max-ms a fraction',
    inputs: { ...http, 'latency-p95-max-ms': '2.5' },
    names: 'latency-p95-max-ms',
  },
  { title: 'timeout zero', inputs: { ...base, timeout: '0' }, names: 'timeout' },
  { title: 'timeout a year', inputs: { ...base, timeout: '31536000' }, names: 'timeout' },
  { title: 'region that AWS lacks', inputs: { ...base, region: 'us-east-9' }, names: 'region' },
  {
    title: 'region other than the cluster ARN',
    inputs: { ...base, region: 'eu-west-1', cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod' },
    names: 'cluster',
    alsoNames: 'region',
  },
];

badInputCorpus('validate-deploy', cases);
