import { BadInput, badInputCorpus, hostile } from './harness';

const base = { cluster: 'prod', services: 'web', images: 'api=nginx:1.25' };
const preview = { ...base, preview: 'deploy', 'pull-request': '7' };
const digest = (hex: string) => `api=nginx@sha256:${hex}`;

const cases: BadInput[] = [
  { title: 'cluster empty', inputs: { ...base, cluster: '' }, names: 'cluster' },
  { title: 'cluster only whitespace', inputs: { ...base, cluster: '   ' }, names: 'cluster' },
  { title: 'cluster with a space', inputs: { ...base, cluster: 'prod cluster' }, names: 'cluster' },
  { title: 'cluster with a Cyrillic letter', inputs: { ...base, cluster: 'prоd' }, names: 'cluster' },
  { title: 'cluster: an S3 ARN', inputs: { ...base, cluster: 'arn:aws:s3:::prod' }, names: 'cluster' },
  {
    title: 'cluster: a service ARN',
    inputs: { ...base, cluster: 'arn:aws:ecs:us-east-1:123456789012:service/prod/web' },
    names: 'cluster',
  },
  {
    title: 'cluster: an ARN in another region',
    inputs: { ...base, cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod' },
    names: 'cluster',
  },
  {
    title: 'cluster: an ARN without an account',
    inputs: { ...base, cluster: 'arn:aws:ecs:us-east-1::cluster/prod' },
    names: 'cluster',
  },
  { title: 'cluster of 256 characters', inputs: { ...base, cluster: 'c'.repeat(256) }, names: 'cluster' },
  ...hostile('cluster', 'prod', base),
  { title: 'services empty', inputs: { ...base, services: '' }, names: 'services' },
  { title: 'services only separators', inputs: { ...base, services: ' , ,' }, names: 'services' },
  { title: 'services twice the same', inputs: { ...base, services: 'web,web' }, names: 'services' },
  { title: 'services with a space', inputs: { ...base, services: 'web api' }, names: 'services' },
  { title: 'services: an option', inputs: { ...base, services: '--force' }, names: 'services' },
  { title: 'images: bad image name', inputs: { ...base, images: 'api=bad image name' }, names: 'images' },
  { title: 'images: short digest', inputs: { ...base, images: digest('abc') }, names: 'images' },
  { title: 'images: digest not hex', inputs: { ...base, images: digest('g'.repeat(64)) }, names: 'images' },
  { title: 'images: uppercase name', inputs: { ...base, images: 'api=NGINX:Latest' }, names: 'images' },
  { title: 'images: empty tag', inputs: { ...base, images: 'api=repo:' }, names: 'images' },
  { title: 'images: tag with spaces', inputs: { ...base, images: 'api=nginx:my tag' }, names: 'images' },
  {
    title: 'images: an https URL',
    inputs: { ...base, images: 'api=https://r.example.com/app:1' },
    names: 'images',
  },
  { title: 'images: a control character', inputs: { ...base, images: 'api=nginx:1\u0007' }, names: 'images' },
  { title: 'images: no "="', inputs: { ...base, images: 'api' }, names: 'images' },
  { title: 'images: no container', inputs: { ...base, images: '=nginx:1' }, names: 'images' },
  {
    title: 'images: a 129-character tag',
    inputs: { ...base, images: `api=nginx:${'t'.repeat(129)}` },
    names: 'images',
  },
  { title: 'images: tag starting with a dot', inputs: { ...base, images: 'api=nginx:.x' }, names: 'images' },
  {
    title: 'images: one container twice',
    inputs: { ...base, images: 'api=nginx:1\napi=nginx:2' },
    names: 'images',
  },
  { title: 'images: container with a space', inputs: { ...base, images: 'a pi=nginx:1' }, names: 'images' },
  { title: 'images: only an image', inputs: { ...base, images: 'api=' }, names: 'images' },
  { title: 'env: name starting with a digit', inputs: { ...base, env: '1BAD=x' }, names: 'env' },
  { title: 'env: a line without "="', inputs: { ...base, env: 'NAME' }, names: 'env' },
  {
    title: 'secrets: an S3 ARN',
    inputs: { ...base, secrets: 'DB=arn:aws:s3:::bucket/key' },
    names: 'secrets',
  },
  {
    title: 'secrets: not a parameter name',
    inputs: { ...base, secrets: 'DB=not a parameter' },
    names: 'secrets',
  },
  {
    title: 'task-definition outside the workspace',
    inputs: { ...base, 'task-definition': '../outside/task.json' },
    names: 'task-definition',
  },
  {
    title: 'task-definition absolute',
    inputs: { ...base, 'task-definition': '/etc/passwd' },
    names: 'task-definition',
  },
  {
    title: 'task-definition missing',
    inputs: { ...base, 'task-definition': 'missing.json' },
    names: 'task-definition',
  },
  {
    title: 'task-definition and task-definition-arn both',
    inputs: { ...base, 'task-definition': 'task-definition.json', 'task-definition-arn': 'web:3' },
    names: 'task-definition',
    alsoNames: 'task-definition-arn',
  },
  {
    title: 'task-definition-arn malformed',
    inputs: { ...base, images: '', 'task-definition-arn': 'not a ref!' },
    names: 'task-definition-arn',
  },
  {
    title: 'task-definition-arn an option',
    inputs: { ...base, images: '', 'task-definition-arn': '--x' },
    names: 'task-definition-arn',
  },
  {
    title: 'codedeploy-application an option',
    inputs: { ...base, 'codedeploy-application': '--x' },
    names: 'codedeploy-application',
  },
  {
    title: 'run-task-command with a right-to-left override',
    inputs: { ...base, 'run-task-command': 'echo \u202eabc' },
    names: 'run-task-command',
  },
  { title: 'desired-count negative', inputs: { ...base, 'desired-count': '-1' }, names: 'desired-count' },
  { title: 'desired-count a word', inputs: { ...base, 'desired-count': 'ten' }, names: 'desired-count' },
  {
    title: 'desired-count in exponent form',
    inputs: { ...base, 'desired-count': '1e3' },
    names: 'desired-count',
  },
  { title: 'timeout zero', inputs: { ...base, timeout: '0' }, names: 'timeout' },
  { title: 'timeout NaN', inputs: { ...base, timeout: 'NaN' }, names: 'timeout' },
  { title: 'wait yes', inputs: { ...base, wait: 'yes' }, names: 'wait' },
  {
    title: 'run-task-when unknown',
    inputs: { ...base, 'run-task-command': 'npm run migrate', 'run-task-when': 'during' },
    names: 'run-task-when',
  },
  {
    title: 'run-task-container without a command',
    inputs: { ...base, 'run-task-container': 'api' },
    names: 'run-task-container',
    alsoNames: 'run-task-command',
  },
  {
    title: 'run-task-timeout without a command',
    inputs: { ...base, 'run-task-timeout': '30' },
    names: 'run-task-timeout',
    alsoNames: 'run-task-command',
  },
  {
    title: 'run-task-command: a broken JSON array',
    inputs: { ...base, 'run-task-command': '["npm", "run"' },
    names: 'run-task-command',
  },
  { title: 'preview unknown', inputs: { ...base, preview: 'create' }, names: 'preview' },
  {
    title: 'pull-request without preview',
    inputs: { ...base, 'pull-request': '7' },
    names: 'pull-request',
    alsoNames: 'preview',
  },
  { title: 'preview deploy of two services', inputs: { ...preview, services: 'web,api' }, names: 'services' },
  { title: 'preview pull-request zero', inputs: { ...preview, 'pull-request': '0' }, names: 'pull-request' },
  {
    title: 'preview-domain not a domain',
    inputs: { ...preview, 'preview-domain': 'bad domain', 'listener-arn': 'x' },
    names: 'preview-domain',
  },
  {
    title: 'listener-arn: a target group',
    inputs: {
      ...preview,
      'preview-domain': 'preview.example.com',
      'listener-arn': 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef',
    },
    names: 'listener-arn',
  },
  {
    title: 'open-pull-requests without sweep',
    inputs: { ...preview, 'open-pull-requests': '1,2' },
    names: 'open-pull-requests',
    alsoNames: 'preview',
  },
  {
    title: 'pull-request with a sweep',
    inputs: { ...base, preview: 'sweep', 'pull-request': '7' },
    names: 'pull-request',
    alsoNames: 'preview: sweep',
  },
  {
    title: 'preview-desired-count with a delete',
    inputs: { ...base, preview: 'delete', 'pull-request': '7', 'preview-desired-count': '3' },
    names: 'preview-desired-count',
    alsoNames: 'preview: delete',
  },
  { title: 'region that AWS lacks', inputs: { ...base, region: 'us-east-9' }, names: 'region' },
  { title: 'region not a region', inputs: { ...base, region: 'mars' }, names: 'region' },
  {
    title: 'region other than the cluster ARN',
    inputs: { ...base, region: 'eu-west-1', cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod' },
    names: 'cluster',
    alsoNames: 'region',
  },
  {
    title: 'codedeploy-appspec missing',
    inputs: { ...base, 'codedeploy-appspec': 'missing-appspec.yaml' },
    names: 'codedeploy-appspec',
  },
  {
    title: 'codedeploy-appspec outside the workspace',
    inputs: { ...base, 'codedeploy-appspec': '../outside/task.json' },
    names: 'codedeploy-appspec',
  },
  {
    title: 'codedeploy-application with a slash',
    inputs: { ...base, 'codedeploy-application': 'app/../x' },
    names: 'codedeploy-application',
  },
  {
    title: 'task-definition not JSON or YAML of a task definition',
    inputs: { ...base, 'task-definition': 'Dockerfile' },
    names: 'task-definition',
  },
  {
    title: 'images naming a container the task-definition file lacks',
    inputs: { ...base, 'task-definition': 'task-definition.json', images: 'nope=nginx:1' },
    names: 'images',
  },
  {
    title: 'codedeploy-appspec not an AppSpec',
    inputs: { ...base, 'codedeploy-appspec': 'services.txt' },
    names: 'codedeploy-appspec',
  },
  {
    title: 'cluster ARN in the China partition with a US region',
    inputs: { ...base, cluster: 'arn:aws-cn:ecs:us-east-1:123456789012:cluster/prod' },
    names: 'cluster',
  },
  { title: 'keep-revisions zero', inputs: { ...base, 'keep-revisions': '0' }, names: 'keep-revisions' },
  {
    title: 'max-failed-tasks a word',
    inputs: { ...base, 'max-failed-tasks': 'x' },
    names: 'max-failed-tasks',
  },
];

badInputCorpus('ecs-deploy', cases);
