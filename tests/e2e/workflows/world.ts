/**
 * The world the workflow lifecycle suite runs the real workflows in: the sandbox (ECS, ECR, Logs), moto
 * (Secrets Manager, SSM, EC2), two PostgreSQL servers, an OpenSSH bastion, the api's /health for each
 * environment, and an app repository with real git history whose callers are docs/examples' files.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BatchGetImageCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Concurrency, STAND_IN_TOOLS, runWorkflow } from '@slipway/runner';
import type { RoleRequest, RunResult, WorkflowEvent } from '@slipway/runner';
import { startSandbox, type Sandbox } from '@slipway/sandbox';
import { Client } from 'pg';
import { parseDocument } from 'yaml';
import { startBastion, type Bastion } from '../../helpers/sshd';
import { startMoto, type MotoServer } from '../../helpers/moto';
import { startPostgresPair, type PgPair } from '../../helpers/postgres';
import { pushImages } from '../../helpers/ecs';
import { waitUntil } from '../../helpers/ports';
import { GitHubApi } from './github-api';

const root = join(__dirname, '..', '..', '..');
export const REPOSITORY = 'acme/deals';
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
export const ENVIRONMENTS = ['staging', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const SERVICES = { 'deals-api': 'api', 'deals-worker': 'worker' } as const;
export type Service = keyof typeof SERVICES;
const DATABASES: Record<Environment, string> = { staging: 'deals_staging', production: 'deals_prod' };

export interface World {
  sandbox: Sandbox;
  moto: MotoServer;
  databases: PgPair;
  bastion: Bastion;
  repo: AppRepository;
  ecs: ECSClient;
  ecr: ECRClient;
  /** The GitHub REST API the jobs call. */
  github: GitHubApi;
  /** Requests each environment's /health answered. */
  healthChecks: Record<Environment, number>;
  /** Every image the docker stand-in built, in order: its tags. */
  builds(): { tags: string[] }[];
  /** docker login and logout, in order, e.g. "login <registry>". */
  dockerSessions(): string[];
  /** Every role the runs assumed (configure-aws-credentials), with the OIDC subject presented. */
  roles: RoleRequest[];
  /** Environments a job asked approval for, in order. */
  approvals: { job: string; environment: string }[];
  /** Called when a job enters an environment (before its steps): a test may prepare the world. */
  onEnvironment?: (job: string, environment: string) => void | Promise<void>;
  run(workflow: 'deploy' | 'rollback' | 'preview', event: WorkflowEvent): Promise<RunResult>;
  query<T>(environment: Environment, sql: string): Promise<T[]>;
  /** The image each container of the service's current task definition runs. */
  running(environment: Environment, service: string): Promise<{ taskDefinition: string; image: string }>;
  /** The digest ECR holds under this tag, if any. */
  digestOf(repository: string, tag: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** The app repository: a real git repository built from tests/fixtures/workflows-app, commit by commit. */
export class AppRepository {
  constructor(readonly dir: string) {}

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args], {
      cwd: this.dir,
      encoding: 'utf8',
    }).trim();
  }

  head(ref = 'HEAD'): string {
    return this.git('rev-parse', ref);
  }

  /** Writes the files on the branch and commits them; returns [before, after]. */
  commit(branch: string, files: Record<string, string>, message: string): [string, string] {
    this.git('checkout', '-q', branch);
    const before = this.head();
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(this.dir, path)), { recursive: true });
      writeFileSync(join(this.dir, path), content);
    }
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
    return [before, this.head()];
  }
}

/** docs/examples' deploy caller, pointed at this world: health URLs on loopback, migrations through the SSH bastion. */
function deployCaller(example: string, health: Record<Environment, string>, bastion: Bastion): string {
  const document = parseDocument(example);
  const withs = document.getIn(['jobs', 'deploy', 'with']) as {
    items: { key: { value: string }; value: { value: unknown } }[];
  };
  for (const pair of withs.items) {
    if (typeof pair.value.value === 'string') {
      pair.value.value = pair.value.value
        .replaceAll('https://staging.deals.example.com/health', `${health.staging}/health`)
        .replaceAll('https://deals.example.com/health', `${health.production}/health`);
    }
  }
  const set = (key: string, value: string) => document.setIn(['jobs', 'deploy', 'with', key], value);
  set('tunnel-mode', 'ssh');
  set('ssh-endpoint', `${bastion.host}:${bastion.port}`);
  set('ssh-user', bastion.user);
  set('ssh-host-key', bastion.fingerprint);
  document.setIn(['jobs', 'deploy', 'secrets'], { 'ssh-private-key': '${{ secrets.BASTION_SSH_KEY }}' });
  return document.toString();
}

/**
 * docs/examples' preview caller without its load balancer: pr-<N>.<preview-domain> needs DNS and TLS this
 * machine does not have, so the preview is validated on ECS's terms (listener rules: tests/e2e/ecs-deploy/preview.test.ts).
 */
function previewCaller(example: string): string {
  const document = parseDocument(example);
  document.setIn(['jobs', 'preview', 'with', 'preview-domain'], '');
  document.setIn(['jobs', 'preview', 'with', 'listener-arn'], '');
  return document.toString();
}

export async function startWorld(): Promise<World> {
  const [sandbox, moto, databases, bastion, github] = await Promise.all([
    startSandbox({
      speed: 60,
      clusters: ENVIRONMENTS.map((e) => `deals-${e}`),
      region: REGION,
      accountId: ACCOUNT,
    }),
    startMoto(),
    startPostgresPair(),
    startBastion(),
    new GitHubApi(REPOSITORY).start(),
  ]);
  const aws = { region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const ecs = new ECSClient({ ...aws, endpoint: sandbox.url });
  const ecr = new ECRClient({ ...aws, endpoint: sandbox.url });
  const secrets = new SecretsManagerClient({ ...aws, endpoint: moto.url });
  const dir = mkdtempSync(join(tmpdir(), 'slipway-lifecycle-'));

  // The api's /health in each environment reports the commit the api service runs: the revision label of
  // the image its current task definition names, read from the registry.
  const healthChecks: Record<Environment, number> = { staging: 0, production: 0 };
  const servers: Server[] = [];
  const health = {} as Record<Environment, string>;
  for (const environment of ENVIRONMENTS) {
    const server = createServer((request, response) => {
      void (async () => {
        healthChecks[environment]++;
        const { image } = await running(environment, 'deals-api');
        const [repository, digest] = image.replace(`${REGISTRY}/`, '').split('@');
        const found = digest
          ? await ecr.send(
              new BatchGetImageCommand({ repositoryName: repository, imageIds: [{ imageDigest: digest }] }),
            )
          : undefined;
        const manifest = JSON.parse(found?.images?.[0]?.imageManifest ?? '{}') as {
          annotations?: Record<string, string>;
        };
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify({
            status: 'ok',
            version: manifest.annotations?.['org.opencontainers.image.revision'] ?? 'unknown',
          }),
        );
      })().catch((error: Error) => {
        response.statusCode = 500;
        response.end(error.message);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    health[environment] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function running(environment: Environment, service: string) {
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: `deals-${environment}`, services: [service] }),
    );
    const taskDefinition = described.services![0]!.taskDefinition!;
    const definition = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    return { taskDefinition, image: definition.taskDefinition!.containerDefinitions![0]!.image! };
  }

  // Each environment: its database (named so production's matches target-name-pattern's default), its
  // secret, and its two services on a first revision.
  for (const environment of ENVIRONMENTS) {
    const server = databases[environment];
    const url = new URL(server.url);
    const admin = new Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DATABASES[environment]}`);
    await admin.end();
    await secrets.send(
      new CreateSecretCommand({
        Name: `deals/${environment}/db`,
        SecretString: JSON.stringify({
          username: decodeURIComponent(url.username),
          password: decodeURIComponent(url.password),
          host: '127.0.0.1',
          port: Number(url.port),
          dbname: DATABASES[environment],
          engine: 'postgres',
        }),
      }),
    );
    for (const [service, container] of Object.entries(SERVICES)) {
      const registered = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: `${service}-${environment}`,
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [
            {
              name: container,
              image: `${REGISTRY}/deals/${container}:initial`,
              essential: true,
              ...(container === 'api' ? { portMappings: [{ containerPort: 8000 }] } : {}),
            },
          ],
        }),
      );
      await ecs.send(
        new CreateServiceCommand({
          cluster: `deals-${environment}`,
          serviceName: service,
          taskDefinition: registered.taskDefinition!.taskDefinitionArn,
          desiredCount: 1,
          launchType: 'FARGATE',
          deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        }),
      );
    }
  }
  for (const container of Object.values(SERVICES)) {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: `deals/${container}` }));
  }
  // The image the first revisions name exists, so a rollback to one passes pre-flight.
  await pushImages(
    sandbox.url,
    Object.values(SERVICES).map((container) => `${REGISTRY}/deals/${container}:initial`),
  );
  await waitUntil(
    async () => {
      for (const environment of ENVIRONMENTS) {
        const { services } = await ecs.send(
          new DescribeServicesCommand({ cluster: `deals-${environment}`, services: Object.keys(SERVICES) }),
        );
        if (
          !services?.every(
            (s) => s.deployments?.length === 1 && s.deployments[0]?.rolloutState === 'COMPLETED',
          )
        )
          return false;
      }
      return true;
    },
    { timeoutMs: 30_000, what: 'the first rollouts' },
  );

  // The app repository: main holds the app; staging branches from it.
  const repoDir = join(dir, 'deals');
  cpSync(join(root, 'tests', 'fixtures', 'workflows-app'), repoDir, { recursive: true });
  const workflows = join(repoDir, '.github', 'workflows');
  mkdirSync(workflows, { recursive: true });
  writeFileSync(
    join(workflows, 'deploy.yml'),
    deployCaller(readFileSync(join(root, 'docs', 'examples', 'deploy.yml'), 'utf8'), health, bastion),
  );
  cpSync(join(root, 'docs', 'examples', 'rollback.yml'), join(workflows, 'rollback.yml'));
  writeFileSync(
    join(workflows, 'preview.yml'),
    previewCaller(readFileSync(join(root, 'docs', 'examples', 'preview.yml'), 'utf8')),
  );
  const repo = new AppRepository(repoDir);
  repo.git('init', '-q', '-b', 'main');
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'The deals app');
  repo.git('branch', 'staging');

  // The runner machine's docker is a stand-in (no container engine here): it builds from the real context.
  const buildLog = join(dir, 'builds.log');
  writeFileSync(buildLog, '');

  const concurrency = new Concurrency();
  const world: World = {
    sandbox,
    moto,
    databases,
    bastion,
    repo,
    ecs,
    ecr,
    github,
    healthChecks,
    roles: [],
    approvals: [],
    builds: () =>
      readFileSync(buildLog, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { tags: string[] }),
    dockerSessions: () => {
      const file = join(dir, 'docker', 'sessions.log');
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    },
    run: (workflow, event) =>
      runWorkflow({
        workflow: join(workflows, `${workflow}.yml`),
        event,
        repo: repo.dir,
        slipway: root,
        endpoints: {
          aws: moto.url,
          services: { ECS: sandbox.url, ECR: sandbox.url, CLOUDWATCH_LOGS: sandbox.url },
          github: github.url,
        },
        secrets: { BASTION_SSH_KEY: bastion.privateKey },
        env: {
          PATH: `${STAND_IN_TOOLS}:${process.env.PATH}`,
          DOCKER_STAND_IN_STATE: join(dir, 'docker'),
          DOCKER_STAND_IN_LOG: buildLog,
        },
        hooks: {
          approve: async ({ job, environment }) => {
            world.approvals.push({ job, environment });
            await world.onEnvironment?.(job, environment);
            return true;
          },
          assumeRole: (request) => {
            world.roles.push(request);
            // The trust policy docs/iam describes: each environment's role trusts that environment's jobs.
            const environment = /role\/deals-(staging|production)-deployer$/.exec(request.role)?.[1];
            if (environment && request.subject !== `repo:${REPOSITORY}:environment:${environment}`) {
              throw new Error(`AccessDenied: ${request.role} does not trust ${request.subject}`);
            }
          },
        },
        concurrency,
        log: process.env.SLIPWAY_RUNNER_LOG ? (line) => process.stdout.write(`${line}\n`) : undefined,
      }),
    async query<T>(environment: Environment, sql: string) {
      const client = new Client({
        connectionString: databases[environment].url.replace(/\/[^/]*$/, `/${DATABASES[environment]}`),
      });
      await client.connect();
      try {
        return (await client.query(sql)).rows as T[];
      } finally {
        await client.end();
      }
    },
    running,
    async digestOf(repository, tag) {
      const found = await ecr
        .send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }))
        .catch(() => undefined);
      return found?.imageDetails?.[0]?.imageDigest;
    },
    async stop() {
      await Promise.all([
        sandbox.stop(),
        moto.stop(),
        databases.stop(),
        bastion.stop(),
        github.stop(),
        ...servers.map((s) => new Promise((resolve) => s.close(resolve))),
      ]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}
