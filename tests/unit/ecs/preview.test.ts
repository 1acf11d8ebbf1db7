import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { PreviewRequest, runPreview, previewTargetGroupName } from '@slipway/ecs/src/preview';
import { memoryLogger, virtualClock } from '@slipway/kit';

describe('previewTargetGroupName', () => {
  test.each([
    ['web', 12, 'web-pr-12'],
    ['api_v2', 3, 'api-v2-pr-3'],
    ['a-very-long-template-service-name-indeed', 1234, /^a-very-long-templ-[0-9a-f]{6}-pr-1234$/],
  ])('%s #%d → %s (at most 32 letters, digits and hyphens)', (template, pr, expected) => {
    const name = previewTargetGroupName(template, pr);
    expect(name.length).toBeLessThanOrEqual(32);
    if (typeof expected === 'string') expect(name).toBe(expected);
    else expect(name).toMatch(expected);
  });

  test('two long names that share 26 characters still differ', () => {
    const a = previewTargetGroupName('checkout-service-production-blue', 5);
    const b = previewTargetGroupName('checkout-service-production-green', 5);
    expect(a).not.toBe(b);
  });
});

describe('sweep', () => {
  const ecs = mockClient(ECSClient);
  const HOUR = 3_600_000;
  const now = Date.parse('2026-11-23T12:00:00Z');
  const service = (name: string, ageHours: number) => ({
    serviceName: name,
    status: 'ACTIVE',
    taskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/${name}:1`,
    createdAt: new Date(now - ageHours * HOUR),
  });

  beforeEach(() => {
    ecs.reset();
    ecs.on(ListServicesCommand).resolves({
      serviceArns: ['web', 'web-pr-1', 'web-pr-2', 'web-pr-3', 'webapp-pr-4', 'web-pr-x'].map(
        (name) => `arn:aws:ecs:us-east-1:123456789012:service/c/${name}`,
      ),
    });
    ecs.on(DescribeServicesCommand).callsFake(({ services }: { services: string[] }) => ({
      services: services.map((name) =>
        name === 'web-pr-3' ? service(name, 200) : service(name, name === 'web-pr-1' ? 1 : 2),
      ),
    }));
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    ecs.on(DeleteServiceCommand).resolves({});
  });

  test('deletes previews of closed pull requests and those past the TTL; leaves other services alone', async () => {
    const request: PreviewRequest = {
      action: 'sweep',
      cluster: 'c',
      template: 'web',
      openPullRequests: [1, 3],
      ttlHours: 168,
    };
    const result = await runPreview(request, {
      ecs: new ECSClient({ region: 'us-east-1' }),
      logs: () => new CloudWatchLogsClient({ region: 'us-east-1' }),
      elb: () => new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
      logger: memoryLogger(),
      clock: virtualClock(now),
    });
    expect(result.action === 'sweep' && result.deleted.sort()).toEqual(['web-pr-2', 'web-pr-3']);
    const described = ecs
      .commandCalls(DescribeServicesCommand)
      .flatMap((call) => call.args[0].input.services);
    expect(described).not.toContain('webapp-pr-4');
    expect(described).not.toContain('web');
  });
});
