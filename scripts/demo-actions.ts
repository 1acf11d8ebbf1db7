/**
 * `npm run demo` on a machine without the tools the workflows call (scripts/demo.ts runs the workflows
 * when .ci/run has installed them). The whole pipeline, no AWS account, no Docker and nothing to install:
 * the embedded sandbox (ECS, logs,
 * ECR), two embedded PostgreSQL servers (staging, production), an SSH bastion on loopback and a local
 * HTTP service standing for the app. Each step is the action's own domain code, fed the inputs its
 * action.yml declares, and prints the job summary it would write:
 *
 *   promote the staging image → migrations through the tunnel → ecs-deploy → validate-deploy →
 *   sync-prompts (plan, then apply) → a broken image, caught, diagnosed and rolled back.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EC2InstanceConnectClient } from '@aws-sdk/client-ec2-instance-connect';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { readSyncRequest, syncPrompts, syncSummary, targetFromUrl } from '@slipway/db';
import { deploy, deployFailure, deploySummary, readEcsRequest } from '@slipway/ecs';
import {
  Teardown,
  migrationSummary,
  readMigrationRequest,
  resolveSyncRequest,
  runMigrations,
} from '@slipway/flows';
import { publish, publishSummary, readPublishRequest } from '@slipway/ecr';
import { Secrets, consoleLogger } from '@slipway/kit';
import { readValidateRequest, validate, validationFailure, validationSummary } from '@slipway/probe';
import { startLocalBastion, startSandbox } from '@slipway/sandbox';
import { Client } from 'pg';
import { startPostgresPair } from '../tests/helpers/postgres';
import { Story } from './story';

const REGION = 'us-east-1';
const CLUSTER = 'deals-production';
const COMMIT = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';

const story = new Story();
const logger = consoleLogger(story.log);
const inputs = (values: Record<string, string>) => (name: string) => values[name];
/** The demo's ecs-deploy steps are ordinary deploys, never previews. */
const deployRequest = (values: Record<string, string>) => {
  const step = readEcsRequest(inputs(values));
  if (step.mode !== 'deploy') throw new Error('The demo deploys no previews.');
  return step.deploy;
};

/** Runs the actions' own code step by step; sets process.exitCode when a step did not behave. */
export async function actionsDemo(): Promise<void> {
  process.env.AWS_REGION = REGION;
  const [sandbox, databases, bastion] = await Promise.all([
    startSandbox({ speed: 30, clusters: [CLUSTER] }),
    startPostgresPair(),
    startLocalBastion(),
  ]);
  const app = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ status: 'ok', version: COMMIT }));
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  // Clients a step makes itself (pre-flight checks, reading an image's labels) reach the sandbox too.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_ACCESS_KEY_ID: 'demo',
    AWS_SECRET_ACCESS_KEY: 'demo',
  });
  const workspace = await mkdtemp(join(tmpdir(), 'slipway-demo-'));
  const aws = {
    region: REGION,
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  };
  const clients = {
    ecs: new ECSClient(aws),
    logs: new CloudWatchLogsClient(aws),
    ecr: new ECRClient(aws),
  };
  try {
    console.log(
      `Sandbox AWS at ${sandbox.url} (30× speed); PostgreSQL staging and production; bastion ${bastion.host}:${bastion.port}; app at ${appUrl}`,
    );
    console.log(
      'The story: staging built deals/api at commit 1a2b3c4; production gets that image, its migrations, ' +
        'the deploy, a check that it serves, its prompts; then a broken image is caught and rolled back.',
    );
    await seed(clients, databases.staging.url, workspace);

    const published = await story.step(
      'build-push-ecr: promote the image staging built, by retagging its manifest',
      async () => {
        const result = await publish(
          readPublishRequest(
            inputs({
              repository: 'deals/api',
              environment: 'production',
              'promote-from': `sha-${COMMIT.slice(0, 7)}`,
              platform: 'linux/amd64',
            }),
            workspace,
          ),
          {
            ecr: () => clients.ecr,
            git: { eventName: 'push', sha: COMMIT, ref: 'refs/heads/main' },
            secrets: new Secrets(),
            logger,
          },
        );
        story.summary(publishSummary(result));
        story.expect('the image was promoted by retagging, no layer moved', result.result === 'retagged');
        return result;
      },
    );

    await story.step('run-migrations-via-bastion: SQL migrations through a pinned SSH tunnel', async () => {
      const production = targetFromUrl(databases.production.url);
      const { result: migrated, failure } = await runMigrations(
        readMigrationRequest(
          inputs({
            mode: 'ssh',
            'ssh-endpoint': `${bastion.host}:${bastion.port}`,
            'ssh-user': bastion.user,
            'ssh-private-key': bastion.privateKey,
            'ssh-host-key': bastion.fingerprint,
            'db-host': production.host,
            'db-port': String(production.port),
            'db-user': production.user,
            'db-password': production.password,
            'db-name': production.database,
            'migrations-dir': 'migrations',
            region: REGION,
          }),
          workspace,
        ),
        {
          ec2: () => new EC2Client(aws),
          ssm: () => new SSMClient(aws),
          secretsManager: () => new SecretsManagerClient(aws),
          instanceConnect: () => new EC2InstanceConnectClient(aws),
          secrets: new Secrets(),
          logger,
          teardown: new Teardown(),
        },
      );
      story.summary(migrationSummary(migrated));
      if (failure) throw failure;
      story.expect('both migrations were applied through the tunnel', migrated.applied.length === 2);
    });

    const context = { ecs: clients.ecs, logs: () => clients.logs, logger };
    const deployed = await story.step('ecs-deploy: the promoted image, followed to a verdict', async () => {
      const result = await deploy(
        deployRequest({
          cluster: CLUSTER,
          services: 'deals-api',
          images: `api=${published.imageUri}`,
          timeout: '300',
        }),
        context,
      );
      story.summary(deploySummary(result));
      story.expect('deals-api rolled out the promoted image', result.status === 'SUCCEEDED');
      return result;
    });

    await story.step('validate-deploy: ECS state, health and the version the app reports', async () => {
      const report = await validate(
        readValidateRequest(
          inputs({
            cluster: CLUSTER,
            services: 'deals-api',
            'task-definition-arn': deployed.services[0]!.taskDefinitionArn,
            urls: `${appUrl}/health`,
            'json-expectations': `$.version == ${COMMIT}`,
            timeout: '30',
          }),
        ),
        {
          ecs: () => clients.ecs,
          elb: () => new ElasticLoadBalancingV2Client(aws),
          logger,
          secrets: new Secrets(),
        },
      );
      story.summary(validationSummary(report));
      story.expect(
        `the new revision serves the commit (${report.checks.length} checks passed)`,
        !validationFailure(report),
      );
    });

    await story.step('sync-prompts: staging → production, the plan first, then the copy', async () => {
      const syncInputs = {
        'source-url': databases.staging.url,
        'target-url': databases.production.url,
        mode: 'overwrite',
      };
      const results = [];
      for (const extra of [{ 'dry-run': 'true' }, { force: 'true' }] as Record<string, string>[]) {
        const request = readSyncRequest(inputs({ ...syncInputs, ...extra }), workspace, new Secrets());
        const { target, options } = await resolveSyncRequest(
          request,
          { secretsManager: () => new SecretsManagerClient(aws), ssm: () => new SSMClient(aws) },
          new Secrets(),
        );
        const result = await syncPrompts(target, { ...options, logger });
        story.summary(syncSummary(result));
        results.push(result);
      }
      story.expect(
        'the plan changed nothing, the forced copy applied it with a snapshot',
        results[0]?.applied === false && results[1]?.applied === true && results[1].snapshot,
      );
    });

    await story.step('ecs-deploy: an image that crashes on start', async () => {
      const broken = await deploy(
        deployRequest({
          cluster: CLUSTER,
          services: 'deals-api',
          images: `api=${published.imageUri.replace(/@.*$/, '')}:sha-9999999-crash`,
          timeout: '300',
        }),
        context,
      );
      story.summary(deploySummary(broken));
      const failure = deployFailure(broken);
      // The step's error repeats what the summary shows, log tail and all; its code says enough here.
      if (failure) story.log(`The step fails with ${failure.code}, as the summary above explains.`);
      story.expect(
        'the crashing image was caught, and ECS rolled back to the revision serving before',
        failure?.code === 'SLW-ECS-011' && broken.status === 'ROLLED_BACK',
      );
    });

    if (!story.verdict()) process.exitCode = 1;
  } finally {
    app.close();
    await Promise.allSettled([
      sandbox.stop(),
      databases.stop(),
      bastion.stop(),
      rm(workspace, { recursive: true, force: true }),
    ]);
  }
}

/** What exists before the pipeline runs: the staging image, the service, the migrations, staging's prompts. */
async function seed(clients: { ecs: ECSClient; ecr: ECRClient }, stagingUrl: string, workspace: string) {
  await clients.ecr.send(new CreateRepositoryCommand({ repositoryName: 'deals/api' }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${'c'.repeat(64)}`,
      size: 1469,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: `sha256:${'a'.repeat(64)}`,
        size: 31_457_280,
      },
    ],
  });
  // The image that crashes on start is in the registry too: pre-flight finds it, only running it fails.
  const crashing = manifest.replace('c'.repeat(64), 'd'.repeat(64));
  for (const [tag, imageManifest] of [
    [`sha-${COMMIT.slice(0, 7)}`, manifest],
    ['staging', manifest],
    ['sha-9999999-crash', crashing],
  ]) {
    await clients.ecr.send(
      new PutImageCommand({
        repositoryName: 'deals/api',
        imageManifest,
        imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        imageTag: tag,
      }),
    );
  }

  const registered = await clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'deals-api',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '512',
      memory: '1024',
      containerDefinitions: [
        {
          name: 'api',
          image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/deals/api:sha-0000000',
          essential: true,
          healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8000/health || exit 1'] },
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/deals-api',
              'awslogs-region': REGION,
              'awslogs-stream-prefix': 'ecs',
            },
          },
        },
      ],
    }),
  );
  await clients.ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: 'deals-api',
      taskDefinition: registered.taskDefinition?.taskDefinitionArn,
      desiredCount: 2,
      launchType: 'FARGATE',
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    }),
  );
  while (
    (await clients.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['deals-api'] })))
      .services?.[0]?.deployments?.[0]?.rolloutState !== 'COMPLETED'
  ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const migrations = join(workspace, 'migrations');
  await mkdir(migrations);
  const prompts =
    'CREATE TABLE prompts (name text PRIMARY KEY, content text NOT NULL, model text, params jsonb);';
  await writeFile(join(migrations, '001_create_prompts.sql'), `${prompts}\n`);
  await writeFile(
    join(migrations, '002_seed_greeting.sql'),
    "INSERT INTO prompts VALUES ('greeting', 'Hello!', 'small', NULL), ('retired', 'No longer used.', 'small', NULL);\n",
  );

  const staging = new Client({ connectionString: stagingUrl });
  await staging.connect();
  try {
    await staging.query(prompts);
    await staging.query(
      `INSERT INTO prompts VALUES
         ('greeting', 'Hello, {{name}}! How can I help?', 'large', '{"temperature": 0.2}'),
         ('summarise', 'Summarise the deal below in three sentences.', 'large', '{"temperature": 0}'),
         ('classify', 'Classify the lead as hot, warm or cold.', 'small', NULL)`,
    );
  } finally {
    await staging.end();
  }
}
