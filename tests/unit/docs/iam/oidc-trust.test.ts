import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..', '..', '..');

interface Job {
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  steps?: { uses?: string }[];
}

const jobsOf = (file: string) =>
  Object.entries(
    (parse(readFileSync(join(root, '.github', 'workflows', file), 'utf8')) as { jobs: Record<string, Job> })
      .jobs,
  );
const environmentOf = (job: Job) =>
  typeof job.environment === 'object' ? job.environment.name : job.environment;
const assumesRole = (job: Job) =>
  (job.steps ?? []).some((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));

interface TrustPolicy {
  Statement: {
    Effect: string;
    Principal: { Federated: string };
    Action: string;
    Condition: { StringEquals: Record<string, string | string[]> };
  }[];
}
const trust = (name: string) =>
  JSON.parse(readFileSync(join(root, 'docs', 'iam', 'trust', `${name}.json`), 'utf8')) as TrustPolicy;
const subjects = (policy: TrustPolicy) =>
  policy.Statement.flatMap((s) =>
    [s.Condition.StringEquals['token.actions.githubusercontent.com:sub'] ?? []].flat(),
  );

test('every job that assumes a role may ask for an OIDC token', () => {
  for (const file of ['deploy.yml', 'rollback.yml', 'preview.yml'])
    for (const [name, job] of jobsOf(file).filter(([, job]) => assumesRole(job)))
      expect({ file, name, idToken: job.permissions?.['id-token'] }).toEqual({
        file,
        name,
        idToken: 'write',
      });
});

test('every deploy and rollback job that assumes a role names the environment, so one role per environment trusts them all', () => {
  const jobs = ['deploy.yml', 'rollback.yml'].flatMap((file) =>
    jobsOf(file)
      .filter(([, job]) => assumesRole(job))
      .map(([name, job]) => ({ file, name, environment: environmentOf(job) })),
  );
  expect(jobs.map((j) => j.name)).toEqual(
    expect.arrayContaining(['image', 'migrate', 'deploy', 'prompts', 'rollback']),
  );
  for (const job of jobs) expect(job).toEqual({ ...job, environment: '${{ inputs.environment }}' });
  expect(subjects(trust('environment'))).toEqual(['repo:<owner>/<repo>:environment:<environment>']);
});

test('preview jobs name no environment, and the preview role trusts pull requests and the default branch', () => {
  const previewJobs = jobsOf('preview.yml').filter(([, job]) => assumesRole(job));
  expect(previewJobs.map(([name]) => name).sort()).toEqual(['cleanup', 'preview', 'sweep']);
  for (const [, job] of previewJobs) expect(environmentOf(job)).toBeUndefined();
  expect(subjects(trust('preview')).sort()).toEqual([
    'repo:<owner>/<repo>:pull_request',
    'repo:<owner>/<repo>:ref:refs/heads/<default-branch>',
  ]);
});

test.each(['environment', 'preview'])('%s.json trusts only GitHub’s OIDC provider for STS', (name) => {
  for (const statement of trust(name).Statement) {
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::<account-id>:oidc-provider/token.actions.githubusercontent.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
    });
    expect(statement.Condition.StringEquals['token.actions.githubusercontent.com:aud']).toBe(
      'sts.amazonaws.com',
    );
  }
});

test('the guides never tell teams to trust a branch subject for environment jobs', () => {
  for (const doc of ['getting-started.md', 'workflows.md', join('iam', 'README.md')]) {
    const text = readFileSync(join(root, 'docs', doc), 'utf8');
    expect({ doc, branchSubject: /:ref:refs\/heads\/(staging|main)\b/.test(text) }).toEqual({
      doc,
      branchSubject: false,
    });
  }
  expect(readFileSync(join(root, 'docs', 'getting-started.md'), 'utf8')).toContain('iam/oidc-trust.md');
});
