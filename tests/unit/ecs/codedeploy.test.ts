import {
  CodeDeployClient,
  DeploymentGroupDoesNotExistException,
  GetDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import {
  appSpecFor,
  checkCodeDeployTarget,
  codeDeployTarget,
  judgeCodeDeployment,
  renderAppSpec,
} from '@slipway/ecs/src/codedeploy';
import { writeAppSpecFile } from '../../helpers/ecs';

const NEW = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7';
const service = {
  serviceName: 'web',
  deploymentController: { type: 'CODE_DEPLOY' as const },
  loadBalancers: [{ targetGroupArn: 'arn:tg', containerName: 'app', containerPort: 8000 }],
};

describe('AppSpec', () => {
  test('generated from the new revision and the load balancer’s container and port', async () => {
    expect(JSON.parse(await appSpecFor(service, NEW, undefined))).toEqual({
      version: 0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: NEW,
              LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8000 },
            },
          },
        },
      ],
    });
  });

  test('a YAML file keeps its hooks and gets the new revision', async () => {
    const path = await writeAppSpecFile('arn:aws:lambda:us-east-1:123456789012:function:smoke');
    const rendered = JSON.parse(await appSpecFor(service, NEW, path));
    expect(rendered.Resources[0].TargetService.Properties.TaskDefinition).toBe(NEW);
    expect(rendered.Hooks).toEqual([
      { AfterAllowTestTraffic: 'arn:aws:lambda:us-east-1:123456789012:function:smoke' },
    ]);
  });

  test.each([
    ['no ECS target', { version: 0, Resources: [] }, /exactly one AWS::ECS::Service/],
    [
      'no container port',
      {
        Resources: [
          {
            TargetService: {
              Type: 'AWS::ECS::Service',
              Properties: { LoadBalancerInfo: { ContainerName: 'app' } },
            },
          },
        ],
      },
      /ContainerName and a numeric ContainerPort/,
    ],
  ])('refuses an AppSpec with %s (SLW-ECS-018)', (_, appSpec, message) => {
    expect(() => renderAppSpec(appSpec, NEW)).toThrow(
      expect.objectContaining({ code: 'SLW-ECS-018', message: expect.stringMatching(message) }),
    );
  });

  test('without a load balancer or a file there is nothing to generate from', async () => {
    await expect(appSpecFor({ serviceName: 'worker' }, NEW, undefined)).rejects.toMatchObject({
      code: 'SLW-ECS-018',
    });
  });
});

describe('CodeDeploy target', () => {
  test('defaults to the names the ECS console gives', () => {
    expect(codeDeployTarget('prod', 'web', {})).toEqual({
      application: 'AppECS-prod-web',
      deploymentGroup: 'DgpECS-prod-web',
    });
    expect(codeDeployTarget('prod', 'web', { application: 'a', deploymentGroup: 'g' })).toEqual({
      application: 'a',
      deploymentGroup: 'g',
    });
  });

  test('a missing deployment group is a configuration error naming it (SLW-ECS-019)', async () => {
    const codedeploy = mockClient(CodeDeployClient);
    codedeploy
      .on(GetDeploymentGroupCommand)
      .rejects(new DeploymentGroupDoesNotExistException({ message: 'nope', $metadata: {} }));
    await expect(
      checkCodeDeployTarget(codedeploy as unknown as CodeDeployClient, {
        application: 'AppECS-c-web',
        deploymentGroup: 'DgpECS-c-web',
      }),
    ).rejects.toMatchObject({ code: 'SLW-ECS-019', message: expect.stringContaining('"DgpECS-c-web"') });
  });
});

describe('judgeCodeDeployment', () => {
  test.each<[string, Parameters<typeof judgeCodeDeployment>[0], string | undefined, RegExp]>([
    ['Succeeded', { status: 'Succeeded' }, 'SUCCEEDED', /Succeeded/],
    [
      'Failed and rolled back',
      {
        status: 'Failed',
        errorInformation: {
          code: 'HOOK_EXECUTION_FAILURE',
          message: 'The AfterAllowTestTraffic hook failed.',
        },
        rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1', rollbackMessage: 'Deployment rolled back.' },
      },
      'ROLLED_BACK',
      /^CodeDeploy HOOK_EXECUTION_FAILURE: The AfterAllowTestTraffic hook failed\. Deployment rolled back\.$/,
    ],
    [
      'Failed, no rollback',
      { status: 'Failed', errorInformation: { code: 'ECS_UPDATE_ERROR', message: 'x' } },
      'FAILED',
      /ECS_UPDATE_ERROR: x/,
    ],
    [
      'InProgress',
      { status: 'InProgress', instanceTerminationWaitTimeStarted: true },
      undefined,
      /waiting to end the original tasks/,
    ],
  ])('%s', (_, info, verdict, reason) => {
    const judgement = judgeCodeDeployment(info);
    expect(judgement.verdict).toBe(verdict);
    expect(judgement.reason).toMatch(reason);
  });
});
