import { runAction } from '../../../helpers/action';
import { startRecorder } from '../../../helpers/recorder';

/** AWS's own refusals, as a step meets them: a code of their own naming the call, never SLW-KIT-000. */
test.each([
  [
    'AccessDeniedException',
    'User: arn:aws:sts::123456789012:assumed-role/deployer/gha is not authorized to perform: ecs:DescribeServices',
    'SLW-KIT-010',
    /AWS refused ecs:DescribeServices.*docs\/iam\/ecs-deploy\.json/,
  ],
  [
    'ExpiredTokenException',
    'The security token included in the request is expired',
    'SLW-KIT-013',
    /AWS did not accept the credentials for ecs:DescribeServices/,
  ],
  ['ClusterNotFoundException', 'Cluster not found.', 'SLW-ECS-005', /cluster/i],
])('ecs-deploy meets %s', async (type, message, code, text) => {
  const aws = await startRecorder({ status: 400, type, message });
  try {
    const run = await runAction(
      'ecs-deploy',
      { cluster: 'prod', services: 'web', images: 'api=nginx:1.25' },
      { endpoint: aws.url },
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors.at(-1)).toContain(`title=${code}`);
    expect(run.errors.at(-1)).toMatch(text);
    expect(run.stdout).not.toContain('SLW-KIT-000');
  } finally {
    await aws.stop();
  }
});
