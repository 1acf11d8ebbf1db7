import type {
  DescribeServicesResponse,
  DescribeTaskDefinitionResponse,
  ListServicesResponse,
  ListTaskDefinitionsResponse,
  RegisterTaskDefinitionResponse,
} from '@aws-sdk/client-ecs';
import type { FilterLogEventsResponse, GetLogEventsResponse } from '@aws-sdk/client-cloudwatch-logs';
import { circuitBreakerThreshold, createSimulatedAws, type SimulatedAws } from '@slipway/sandbox';
import { exportLine, parseSandboxArgs } from '@slipway/sandbox/src/cli-args';
import { fullImageReference } from '@slipway/sandbox/src/ecs/messages';
import { FaultInjector } from '@slipway/sandbox/src/faults';
import { matchesFilterPattern } from '@slipway/sandbox/src/logs/filter-pattern';
import { ScenarioBook } from '@slipway/sandbox/src/scenarios';

function simulatedAws(): SimulatedAws {
  return createSimulatedAws({ region: 'eu-west-1', accountId: '210987654321', clusters: ['apps'], seed: 3 });
}

const container = (image: string) => ({ name: 'app', image, memory: 256 });

function register(aws: SimulatedAws, family: string, image = 'repo/app:1'): RegisterTaskDefinitionResponse {
  return aws.call('RegisterTaskDefinition', { family, containerDefinitions: [container(image)] });
}

function expectAwsError(run: () => unknown, type: string, message?: string): void {
  expect(run).toThrow(expect.objectContaining({ name: type, ...(message ? { message } : {}) }));
}

describe('sandbox task definitions', () => {
  it('keeps what was registered and adds the describe-only fields ECS adds', () => {
    const aws = simulatedAws();
    const registered = aws.call<RegisterTaskDefinitionResponse>('RegisterTaskDefinition', {
      family: 'api',
      taskRoleArn: 'arn:aws:iam::210987654321:role/api',
      containerDefinitions: [{ ...container('repo/api:1'), environment: [{ name: 'A', value: '1' }] }],
      tags: [{ key: 'team', value: 'core' }],
    });

    expect(registered.taskDefinition).toMatchObject({
      family: 'api',
      revision: 1,
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:210987654321:task-definition/api:1',
      status: 'ACTIVE',
      taskRoleArn: 'arn:aws:iam::210987654321:role/api',
      compatibilities: ['EC2'],
      registeredBy: 'arn:aws:iam::210987654321:root',
      requiresAttributes: expect.arrayContaining([{ name: 'com.amazonaws.ecs.capability.task-iam-role' }]),
      containerDefinitions: [
        expect.objectContaining({ environment: [{ name: 'A', value: '1' }], essential: true }),
      ],
    });
    expect(registered.taskDefinition?.registeredAt).toBeInstanceOf(Date);
    expect(registered.taskDefinition).not.toHaveProperty('tags');
    expect(registered.tags).toEqual([{ key: 'team', value: 'core' }]);

    const described = aws.call<DescribeTaskDefinitionResponse>('DescribeTaskDefinition', {
      taskDefinition: 'api',
      include: ['TAGS'],
    });
    expect(described).toEqual({ taskDefinition: registered.taskDefinition, tags: registered.tags });
    expect(aws.call('DescribeTaskDefinition', { taskDefinition: 'api:1' })).not.toHaveProperty(
      'tags',
      expect.anything(),
    );
  });

  it('counts revisions per family and resolves a bare family to its latest ACTIVE revision', () => {
    const aws = simulatedAws();
    register(aws, 'api');
    register(aws, 'worker');
    register(aws, 'api');
    aws.call('DeregisterTaskDefinition', { taskDefinition: 'api:2' });

    const latest = aws.call<DescribeTaskDefinitionResponse>('DescribeTaskDefinition', {
      taskDefinition: 'api',
    });
    expect(latest.taskDefinition?.revision).toBe(1);
    const arns = (request: object) =>
      aws
        .call<ListTaskDefinitionsResponse>('ListTaskDefinitions', request)
        .taskDefinitionArns?.map((a) => a.split('/').pop());
    expect(arns({})).toEqual(['api:1', 'worker:1']);
    expect(arns({ familyPrefix: 'api', status: 'INACTIVE' })).toEqual(['api:2']);
    expect(arns({ sort: 'DESC' })).toEqual(['worker:1', 'api:1']);
  });

  it('rejects what ECS rejects', () => {
    const aws = simulatedAws();
    expectAwsError(() => aws.call('DescribeTaskDefinition', { taskDefinition: 'nope' }), 'ClientException');
    expectAwsError(
      () => aws.call('RegisterTaskDefinition', { family: 'x', containerDefinitions: [] }),
      'ClientException',
      'Container list cannot be empty.',
    );
    expectAwsError(
      () =>
        aws.call('RegisterTaskDefinition', {
          family: 'x',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'bridge',
          containerDefinitions: [container('a')],
        }),
      'ClientException',
    );
  });
});

describe('sandbox services API', () => {
  it('answers ClusterNotFoundException, ServiceNotFoundException and MISSING failures', () => {
    const aws = simulatedAws();
    expectAwsError(
      () => aws.call('DescribeServices', { cluster: 'nope', services: ['a'] }),
      'ClusterNotFoundException',
    );
    expectAwsError(
      () => aws.call('UpdateService', { cluster: 'apps', service: 'nope', desiredCount: 1 }),
      'ServiceNotFoundException',
    );
    const described = aws.call<DescribeServicesResponse>('DescribeServices', {
      cluster: 'apps',
      services: ['ghost'],
    });
    expect(described).toEqual({
      services: [],
      failures: [{ arn: 'arn:aws:ecs:eu-west-1:210987654321:service/apps/ghost', reason: 'MISSING' }],
    });
    expectAwsError(
      () => aws.call('CreateService', { cluster: 'apps', serviceName: 's', taskDefinition: 'nope:1' }),
      'ClientException',
      'TaskDefinition not found.',
    );
  });

  it('describes at most 10 services per call', () => {
    const aws = simulatedAws();
    const names = Array.from({ length: 11 }, (_, i) => `s${i}`);
    expectAwsError(
      () => aws.call('DescribeServices', { cluster: 'apps', services: names }),
      'InvalidParameterException',
    );
    expect(
      aws.call<DescribeServicesResponse>('DescribeServices', {
        cluster: 'apps',
        services: names.slice(0, 10),
      }).failures,
    ).toHaveLength(10);
  });

  it('deletes a service only when scaled to 0 or forced, then drains it to INACTIVE', () => {
    const aws = simulatedAws();
    const arn = register(aws, 'api').taskDefinition?.taskDefinitionArn;
    aws.call('CreateService', { cluster: 'apps', serviceName: 'api', taskDefinition: arn, desiredCount: 1 });
    aws.advance(60);

    expectAwsError(
      () => aws.call('DeleteService', { cluster: 'apps', service: 'api' }),
      'InvalidParameterException',
      'The service cannot be stopped while it is scaled above 0.',
    );
    aws.call('DeleteService', { cluster: 'apps', service: 'api', force: true });
    const status = () =>
      aws.call<DescribeServicesResponse>('DescribeServices', { cluster: 'apps', services: ['api'] })
        .services?.[0]?.status;
    expect(status()).toBe('DRAINING');
    aws.advance(10);
    expect(status()).toBe('INACTIVE');
    expect(aws.call<ListServicesResponse>('ListServices', { cluster: 'apps' }).serviceArns).toEqual([]);
  });

  it('pages ListServices with maxResults and nextToken', () => {
    const aws = simulatedAws();
    const arn = register(aws, 'api').taskDefinition?.taskDefinitionArn;
    for (const name of ['a', 'b', 'c']) {
      aws.call('CreateService', { cluster: 'apps', serviceName: name, taskDefinition: arn, desiredCount: 0 });
    }
    const first = aws.call<ListServicesResponse>('ListServices', { cluster: 'apps', maxResults: 2 });
    const second = aws.call<ListServicesResponse>('ListServices', {
      cluster: 'apps',
      nextToken: first.nextToken,
    });
    expect(
      [...(first.serviceArns ?? []), ...(second.serviceArns ?? [])].map((a) => a.split('/').pop()),
    ).toEqual(['a', 'b', 'c']);
    expect(second.nextToken).toBeUndefined();
  });
});

describe('sandbox CloudWatch Logs API', () => {
  function withEvents(): SimulatedAws {
    const aws = simulatedAws();
    aws.call('CreateLogGroup', { logGroupName: '/app' });
    aws.call('CreateLogStream', { logGroupName: '/app', logStreamName: 'one' });
    aws.call('CreateLogStream', { logGroupName: '/app', logStreamName: 'two' });
    const events = (prefix: string) =>
      [1, 2, 3].map((n) => ({ timestamp: n * 1000, message: `${prefix} line ${n}` }));
    aws.call('PutLogEvents', { logGroupName: '/app', logStreamName: 'one', logEvents: events('one') });
    aws.call('PutLogEvents', { logGroupName: '/app', logStreamName: 'two', logEvents: events('two') });
    return aws;
  }

  it('pages GetLogEvents forward and returns the same forward token at the end', () => {
    const aws = withEvents();
    const request = { logGroupName: '/app', logStreamName: 'one', startFromHead: true, limit: 2 };
    const first = aws.call<GetLogEventsResponse>('GetLogEvents', request);
    const second = aws.call<GetLogEventsResponse>('GetLogEvents', {
      ...request,
      nextToken: first.nextForwardToken,
    });
    const end = aws.call<GetLogEventsResponse>('GetLogEvents', {
      ...request,
      nextToken: second.nextForwardToken,
    });

    expect(first.events?.map((e) => e.message)).toEqual(['one line 1', 'one line 2']);
    expect(second.events?.map((e) => e.message)).toEqual(['one line 3']);
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(second.nextForwardToken);
    const tail = aws.call<GetLogEventsResponse>('GetLogEvents', {
      logGroupName: '/app',
      logStreamName: 'one',
      limit: 1,
    });
    expect(tail.events?.map((e) => e.message)).toEqual(['one line 3']);
  });

  it('filters across streams by name prefix, time and pattern', () => {
    const aws = withEvents();
    const filtered = aws.call<FilterLogEventsResponse>('FilterLogEvents', {
      logGroupName: '/app',
      startTime: 2000,
      endTime: 3000,
      filterPattern: '"line 2"',
    });
    expect(filtered.events?.map((e) => [e.logStreamName, e.message])).toEqual([
      ['one', 'one line 2'],
      ['two', 'two line 2'],
    ]);
    const byStream = aws.call<FilterLogEventsResponse>('FilterLogEvents', {
      logGroupName: '/app',
      logStreamNames: ['two'],
    });
    expect(byStream.events).toHaveLength(3);
  });

  it('answers ResourceNotFoundException for unknown groups and streams', () => {
    const aws = withEvents();
    expectAwsError(
      () => aws.call('GetLogEvents', { logGroupName: '/nope', logStreamName: 'one' }),
      'ResourceNotFoundException',
      'The specified log group does not exist.',
    );
    expectAwsError(
      () => aws.call('GetLogEvents', { logGroupName: '/app', logStreamName: 'nope' }),
      'ResourceNotFoundException',
      'The specified log stream does not exist.',
    );
    expectAwsError(() => aws.call('FilterLogEvents', { logGroupName: '/nope' }), 'ResourceNotFoundException');
  });
});

describe('sandbox parts', () => {
  it('computes the circuit-breaker threshold as 0.5 × desired count within 3..200', () => {
    expect([0, 1, 6, 7, 8, 100, 400, 1000].map(circuitBreakerThreshold)).toEqual([
      3, 3, 3, 4, 4, 50, 200, 200,
    ]);
  });

  it('picks scenarios from explicit settings first, then image hints, else healthy', () => {
    const book = new ScenarioBook();
    book.set('repo/app:v3', 'oom');
    expect(
      [
        'repo/app:v3',
        'repo/app-unhealthy:1',
        'repo/crash:1',
        'a/b:does-not-exist',
        'x:secrets-denied',
        'slow:1',
        'app:1',
      ].map((image) => book.forImage(image)),
    ).toEqual(['oom', 'unhealthy', 'crash', 'pull-failure', 'secrets-denied', 'slow-start', 'healthy']);
    expect(() => book.set('a', 'bogus' as never)).toThrow('Valid values are: healthy, crash');
  });

  it('writes image references the way the container runtime resolves them', () => {
    expect(fullImageReference('nginx')).toBe('docker.io/library/nginx:latest');
    expect(fullImageReference('org/app:1')).toBe('docker.io/org/app:1');
    expect(fullImageReference('1.dkr.ecr.us-east-1.amazonaws.com/app:2')).toBe(
      '1.dkr.ecr.us-east-1.amazonaws.com/app:2',
    );
    expect(fullImageReference('localhost:5000/app')).toBe('localhost:5000/app:latest');
  });

  it('injects faults deterministically for a seed, only for the chosen operations', () => {
    const decisions = (seed: number) => {
      const faults = new FaultInjector(seed);
      faults.configure({ throttleRate: 0.3, serverErrorRate: 0.3, operations: ['DescribeServices'] });
      return Array.from({ length: 200 }, () => faults.decide('DescribeServices', 'ServerException').error);
    };
    const first = decisions(42);
    expect(decisions(42).map((e) => e?.status)).toEqual(first.map((e) => e?.status));
    const throttled = first.filter((e) => e?.type === 'ThrottlingException').length;
    const serverErrors = first.filter((e) => e?.type === 'ServerException');
    expect(throttled).toBeGreaterThan(30);
    expect(throttled).toBeLessThan(90);
    expect(new Set(serverErrors.map((e) => e?.status))).toEqual(new Set([500, 503]));

    const faults = new FaultInjector(1);
    faults.configure({ throttleRate: 1, operations: ['DescribeServices'] });
    expect(faults.decide('ListTasks', 'ServerException').error).toBeUndefined();
    expect(() => faults.configure({ throttleRate: 2 })).toThrow('throttleRate must be a number from 0 to 1');
  });

  it('matches plain-term filter patterns', () => {
    expect(matchesFilterPattern('ERROR database', 'ERROR: database down')).toBe(true);
    expect(matchesFilterPattern('ERROR database', 'ERROR: cache down')).toBe(false);
    expect(matchesFilterPattern('?ECONNREFUSED ?timeout', 'redis timeout')).toBe(true);
    expect(matchesFilterPattern(undefined, 'anything')).toBe(true);
  });

  it('parses the CLI options and refuses numbers that are not numbers', () => {
    expect(
      parseSandboxArgs(['--port', '4566', '--speed', '10', '--cluster', 'a', '--cluster', 'b']),
    ).toMatchObject({
      port: 4566,
      speed: 10,
      clusters: ['a', 'b'],
    });
    expect(() => parseSandboxArgs(['--speed', 'fast'])).toThrow('--speed must be a number, got "fast"');
    expect(exportLine('http://127.0.0.1:4566', 'eu-west-1')).toBe(
      'export AWS_ENDPOINT_URL_ECS=http://127.0.0.1:4566 AWS_ENDPOINT_URL_ECR=http://127.0.0.1:4566 ' +
        'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=http://127.0.0.1:4566 AWS_ENDPOINT_URL_CODEDEPLOY=http://127.0.0.1:4566 ' +
        'AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test',
    );
  });
});
