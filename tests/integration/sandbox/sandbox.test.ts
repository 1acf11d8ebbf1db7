import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { startSandbox, type Sandbox } from '@slipway/sandbox';

const run = promisify(execFile);
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

let sandbox: Sandbox;
let clients: ECSClient[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 200, tickMs: 10, seed: 11 });
});

afterEach(() => {
  sandbox.setFaults({});
  sandbox.resetCalls();
  for (const client of clients) client.destroy();
  clients = [];
});

afterAll(async () => {
  await sandbox.stop();
});

function ecsClient(maxAttempts = 1): ECSClient {
  const client = new ECSClient({ endpoint: sandbox.url, region, credentials, maxAttempts });
  clients.push(client);
  return client;
}

async function control(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${sandbox.url}/_sandbox/${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe('sandbox faults and counters', () => {
  it('counts every AWS request per operation, including faulted retries', async () => {
    const ecs = ecsClient(3);
    await ecs.send(new ListClustersCommand({}));
    sandbox.setFaults({ throttleRate: 1, operations: ['ListClusters'] });

    const throttled = ecs.send(new ListClustersCommand({}));
    await expect(throttled).rejects.toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400, attempts: 3 },
    });
    expect(sandbox.calls()).toEqual({ ListClusters: 4 });
  });

  it('keeps the order of the calls since the last reset', async () => {
    const ecs = ecsClient();
    sandbox.resetCalls();
    await ecs.send(new ListClustersCommand({}));
    await ecs.send(new CreateClusterCommand({ clusterName: 'ordered' }));
    await ecs.send(new ListClustersCommand({}));
    expect(sandbox.callSequence()).toEqual(['ListClusters', 'CreateCluster', 'ListClusters']);
    sandbox.resetCalls();
    expect(sandbox.callSequence()).toEqual([]);
  });

  it('fails a request before processing it, so retrying is safe', async () => {
    const ecs = ecsClient();
    sandbox.setFaults({ throttleRate: 1, operations: ['CreateCluster'] });
    await expect(ecs.send(new CreateClusterCommand({ clusterName: 'faulted' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });

    const clusters = await ecs.send(new ListClustersCommand({}));
    expect(clusters.clusterArns?.some((arn) => arn.endsWith('/faulted'))).toBe(false);
  });

  it('loses a response after processing the request, so a retry meets the change already made', async () => {
    const ecs = ecsClient();
    sandbox.setFaults({ lostResponseRate: 1, operations: ['CreateCluster'] });
    await expect(ecs.send(new CreateClusterCommand({ clusterName: 'lost-reply' }))).rejects.toMatchObject({
      name: 'ServerException',
      message: 'Simulated lost response',
      $metadata: { httpStatusCode: 500 },
    });
    sandbox.setFaults({});
    const clusters = await ecs.send(new ListClustersCommand({}));
    expect(clusters.clusterArns?.some((arn) => arn.endsWith('/lost-reply'))).toBe(true);
  });

  it('answers server errors as 500 or 503 ServerException', async () => {
    const ecs = ecsClient();
    sandbox.setFaults({ serverErrorRate: 1 });
    const statuses = new Set<number | undefined>();
    for (let i = 0; i < 20; i++) {
      const error = await ecs.send(new ListClustersCommand({})).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ServerException', $fault: 'server' });
      statuses.add((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode);
    }
    expect(statuses).toEqual(new Set([500, 503]));
  });

  it('adds latency', async () => {
    const ecs = ecsClient();
    sandbox.setFaults({ latencyMs: 150 });
    const started = performance.now();
    await ecs.send(new ListClustersCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('offers the same controls over HTTP, which are neither faulted nor counted', async () => {
    expect((await control('POST', 'faults', { throttleRate: 1 })).status).toBe(200);
    await expect(ecsClient().send(new ListClustersCommand({}))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });

    expect(await control('GET', 'health')).toMatchObject({ status: 200, json: { status: 'ok', region } });
    expect(await control('GET', 'calls')).toEqual({ status: 200, json: { ListClusters: 1 } });
    expect((await control('POST', 'calls/reset')).status).toBe(200);
    expect(await control('GET', 'calls')).toEqual({ status: 200, json: {} });
    expect(await control('GET', 'marks')).toEqual({ status: 200, json: sandbox.marks() });

    expect(await control('POST', 'faults', { throttleRate: 3 })).toMatchObject({
      status: 400,
      json: { error: expect.stringContaining('throttleRate must be a number from 0 to 1') },
    });
    expect(await control('POST', 'scenario', { image: 'x', scenario: 'bogus' })).toMatchObject({
      status: 400,
      json: { error: expect.stringContaining('Valid values are: healthy, crash, unhealthy') },
    });
    expect((await control('POST', 'scenario', { image: 'repo/api:7', scenario: 'oom' })).status).toBe(200);
    expect((await control('GET', 'nope')).status).toBe(404);
  });
});

describe('sandbox and the aws CLI', () => {
  it('answers `aws ecs describe-services --endpoint-url`', async () => {
    const ecs = ecsClient(3);
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'cli',
        containerDefinitions: [{ name: 'app', image: 'repo/cli:1', memory: 128 }],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        serviceName: 'cli',
        taskDefinition: registered.taskDefinition?.taskDefinitionArn,
        desiredCount: 1,
      }),
    );
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: region,
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_PAGER: '',
    };
    const describe = (...args: string[]) =>
      run('aws', ['ecs', 'describe-services', '--endpoint-url', sandbox.url, '--output', 'json', ...args], {
        env,
      });

    const { stdout } = await describe('--cluster', 'default', '--services', 'cli', 'ghost');
    const parsed = JSON.parse(stdout) as {
      services: Array<{ serviceName: string; deployments: Array<{ id: string; createdAt: number }> }>;
      failures: unknown[];
    };
    const sdkView = await ecs.send(new DescribeServicesCommand({ services: ['cli'] }));
    expect(parsed.services[0]?.serviceName).toBe('cli');
    expect(parsed.services[0]?.deployments[0]?.id).toBe(sdkView.services?.[0]?.deployments?.[0]?.id);
    expect(parsed.services[0]?.deployments[0]?.createdAt).toBe(
      (sdkView.services?.[0]?.deployments?.[0]?.createdAt?.getTime() ?? 0) / 1000,
    );
    expect(parsed.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:123456789012:service/default/ghost', reason: 'MISSING' },
    ]);

    await expect(describe('--cluster', 'nope', '--services', 'cli')).rejects.toMatchObject({
      stderr: expect.stringContaining(
        'An error occurred (ClusterNotFoundException) when calling the DescribeServices operation: Cluster not found.',
      ),
    });
  }, 30_000);
});
