import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { startSandbox, type Sandbox } from '@slipway/sandbox';
import { eventually } from '../../helpers/ports';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

let sandbox: Sandbox;
let ecs: ECSClient;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 200, tickMs: 10 });
  ecs = new ECSClient({ endpoint: sandbox.url, region, credentials });
  logs = new CloudWatchLogsClient({ endpoint: sandbox.url, region, credentials });
});

afterAll(async () => {
  ecs.destroy();
  logs.destroy();
  await sandbox.stop();
});

/** Runs a crashing task that logs through awslogs and waits until it has stopped. */
async function crashedTask(): Promise<Task> {
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'logger',
      memory: '512',
      containerDefinitions: [
        {
          name: 'web',
          image: 'repo/web:crash',
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/logger',
              'awslogs-region': region,
              'awslogs-stream-prefix': 'app',
            },
          },
        },
      ],
    }),
  );
  const run = await ecs.send(
    new RunTaskCommand({ taskDefinition: registered.taskDefinition?.taskDefinitionArn }),
  );
  const taskArn = run.tasks?.[0]?.taskArn ?? '';
  return eventually(
    'the task to stop',
    async () => (await ecs.send(new DescribeTasksCommand({ tasks: [taskArn] }))).tasks?.[0] ?? {},
    (task) => task.lastStatus === 'STOPPED',
  );
}

describe('sandbox CloudWatch Logs through the AWS SDK', () => {
  let task: Task;
  let stream: string;

  beforeAll(async () => {
    task = await crashedTask();
    stream = `app/web/${task.taskArn?.split('/').pop()}`;
  });

  it('serves the task output from the awslogs group and <prefix>/<container>/<task id> stream', async () => {
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/logger' }));
    expect(streams.logStreams?.map((s) => s.logStreamName)).toEqual([stream]);

    const output = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/ecs/logger', logStreamName: stream, startFromHead: true }),
    );
    const lines = output.events?.map((e) => e.message) ?? [];
    expect(lines).toEqual(
      expect.arrayContaining([
        'info: connecting to database at db.internal:5432',
        'Error: connect ECONNREFUSED 10.0.12.34:5432',
        'fatal: could not connect to the database, exiting',
      ]),
    );
    expect(lines.at(-1)).toBe('fatal: could not connect to the database, exiting');
    const firstTimestamp = output.events?.[0]?.timestamp ?? 0;
    expect(firstTimestamp).toBeGreaterThanOrEqual(task.createdAt?.getTime() ?? Infinity);
    expect(firstTimestamp).toBeLessThanOrEqual(task.stoppedAt?.getTime() ?? 0);

    const again = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/ecs/logger',
        logStreamName: stream,
        nextToken: output.nextForwardToken,
      }),
    );
    expect(again.events).toEqual([]);
    expect(again.nextForwardToken).toBe(output.nextForwardToken);
  });

  it('filters the group by pattern, stream prefix and time', async () => {
    const everything = await logs.send(
      new FilterLogEventsCommand({ logGroupName: '/ecs/logger', limit: 10000 }),
    );
    const errors = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/ecs/logger',
        logStreamNamePrefix: 'app/web/',
        filterPattern: 'ECONNREFUSED',
        startTime: task.createdAt?.getTime(),
      }),
    );
    expect(everything.events?.length).toBeGreaterThan(5);
    expect(errors.events?.map((e) => [e.logStreamName, e.message])).toEqual([
      [stream, 'Error: connect ECONNREFUSED 10.0.12.34:5432'],
      [stream, "  code: 'ECONNREFUSED',"],
    ]);
    const later = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/ecs/logger',
        startTime: (task.stoppedAt?.getTime() ?? 0) + 60_000,
      }),
    );
    expect(later.events).toEqual([]);
  });

  it('answers ResourceNotFoundException for an unknown log group', async () => {
    await expect(
      logs.send(new GetLogEventsCommand({ logGroupName: '/ecs/nope', logStreamName: stream })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: '/ecs/nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
  });
});
