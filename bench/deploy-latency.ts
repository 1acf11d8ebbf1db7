/**
 * Verdict latency of ecs-deploy against the sandbox, per deployment style: the time from the sandbox
 * marking a deployment COMPLETED or FAILED to the action's exit, and DescribeServices calls per poll
 * (rolling updates of 1 and 20 services; BLUE_GREEN, LINEAR, CANARY and CODE_DEPLOY of one). The
 * baseline, measured in the same run, is what the seeds' scripts do today: `aws ecs update-service`
 * then `aws ecs wait services-stable` (the CLI waiter, one per 10 services); for CodeDeploy,
 * `aws deploy create-deployment` then `aws deploy wait deployment-successful`.
 *
 *   npm run bench -- [--runs 5] [--baseline-runs 2] [--speed 20] [--styles ROLLING,BLUE_GREEN,…]
 */
import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { runAction } from '../tests/helpers/action';
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import { DeploymentConfiguration, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { createStableService, ecsClient, REGISTRY, testTaskDefinition } from '../tests/helpers/ecs';
import { awsChildEnv } from '../tests/helpers/env';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'baseline-runs': { type: 'string', default: '2' },
    speed: { type: 'string', default: '20' },
    styles: { type: 'string', default: 'ROLLING,BLUE_GREEN,LINEAR,CANARY,CODE_DEPLOY' },
  },
});
const CLUSTER = 'bench';
const cases = [
  { name: 'success', image: `${REGISTRY}/app:v2`, expected: 'COMPLETED' },
  { name: 'circuit-breaker failure', image: `${REGISTRY}/app:crash-v2`, expected: 'FAILED' },
] as const;
type Case = (typeof cases)[number];

interface Style {
  name: string;
  sizes: number[];
  configuration?: DeploymentConfiguration;
  /** The CodeDeploy deployment config of a CODE_DEPLOY service. */
  codeDeployConfig?: string;
}

const styles: Style[] = [
  { name: 'ROLLING', sizes: [1, 20] },
  { name: 'BLUE_GREEN', sizes: [1], configuration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 } },
  {
    name: 'LINEAR',
    sizes: [1],
    configuration: { strategy: 'LINEAR', linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 } },
  },
  {
    name: 'CANARY',
    sizes: [1],
    configuration: {
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 },
    },
  },
  { name: 'CODE_DEPLOY', sizes: [1], codeDeployConfig: 'CodeDeployDefault.ECSAllAtOnce' },
];
const TARGET_GROUP = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bench/0123456789abcdef';

interface Sample {
  latencyMs: number;
  correct: boolean;
  /** Calls per poll while following the rollout (measured by the sandbox); absent for the baseline. */
  perPoll?: { describeServices: number; all: number };
}

let counter = 0;

async function fleet(sandbox: Sandbox, size: number, style: Style): Promise<string[]> {
  const ecs = ecsClient(sandbox.url);
  const names = Array.from({ length: size }, () => `svc-${++counter}`);
  await Promise.all(
    names.map(async (name) => {
      await createStableService(ecs, name, {
        cluster: CLUSTER,
        desiredCount: 2,
        deploymentConfiguration: style.configuration,
        ...(style.codeDeployConfig && {
          deploymentController: { type: 'CODE_DEPLOY' },
          loadBalancers: [{ targetGroupArn: TARGET_GROUP, containerName: 'app', containerPort: 8000 }],
        }),
      });
      if (style.codeDeployConfig) await createDeploymentGroup(sandbox, name, style.codeDeployConfig);
    }),
  );
  return names;
}

const codeDeployNames = (service: string) => ({
  applicationName: `AppECS-${CLUSTER}-${service}`,
  deploymentGroupName: `DgpECS-${CLUSTER}-${service}`,
});

async function createDeploymentGroup(sandbox: Sandbox, service: string, deploymentConfigName: string) {
  const codedeploy = new CodeDeployClient({
    region: 'us-east-1',
    endpoint: sandbox.url,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  const { applicationName, deploymentGroupName } = codeDeployNames(service);
  await codedeploy.send(new CreateApplicationCommand({ applicationName, computePlatform: 'ECS' }));
  await codedeploy.send(
    new CreateDeploymentGroupCommand({
      applicationName,
      deploymentGroupName,
      serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy-ecs',
      deploymentConfigName,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      ecsServices: [{ clusterName: CLUSTER, serviceName: service }],
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    }),
  );
  codedeploy.destroy();
}

/** When the last of the given services' deployments started after `since` reached `expected`. */
function lastMark(sandbox: Sandbox, names: string[], expected: string, since: number): number {
  const marks = sandbox
    .marks()
    .filter((m) => names.includes(m.service) && m.rolloutState === expected && m.at >= since);
  const first = new Map<string, number>();
  for (const mark of marks) if (!first.has(mark.service)) first.set(mark.service, mark.at);
  if (first.size !== names.length)
    throw new Error(`only ${first.size}/${names.length} deployments reached ${expected}`);
  return Math.max(...first.values());
}

async function slipway(sandbox: Sandbox, size: number, c: Case, style: Style): Promise<Sample> {
  const names = await fleet(sandbox, size, style);
  sandbox.resetCalls();
  const started = Date.now();
  const run = await runAction(
    'ecs-deploy',
    { cluster: CLUSTER, services: names.join('\n'), images: `app=${c.image}`, timeout: '600' },
    { endpoint: sandbox.url },
  );
  const exitedAt = Date.now();
  const status = run.outputs.status;
  return {
    latencyMs: exitedAt - lastMark(sandbox, names, c.expected, started),
    correct:
      c.expected === 'COMPLETED'
        ? run.exitCode === 0 && status === 'SUCCEEDED'
        : run.exitCode === 1 && status === 'ROLLED_BACK',
    perPoll: callsPerPoll(sandbox.callSequence(), run.stdout),
  };
}

/** What the action polls with: ECS service and service-deployment reads, and CodeDeploy's GetDeployment. */
const POLLING_CALLS = new Set([
  'DescribeServices',
  'ListServiceDeployments',
  'DescribeServiceDeployments',
  'GetDeployment',
]);

/**
 * The calls the sandbox served while the action followed the rollout (after its last UpdateService or
 * CreateDeployment, up to its last DescribeServices: the diagnosis that follows a failure is not
 * polling), divided by the polls the action logged.
 */
function callsPerPoll(calls: string[], stdout: string): { describeServices: number; all: number } {
  const polls = Math.max(stdout.match(/::debug::poll \d+:/g)?.length ?? 0, 1);
  const lastWrite = Math.max(calls.lastIndexOf('UpdateService'), calls.lastIndexOf('CreateDeployment'));
  const following = calls
    .slice(lastWrite + 1, calls.lastIndexOf('DescribeServices') + 1)
    .filter((operation) => POLLING_CALLS.has(operation));
  return {
    describeServices: following.filter((operation) => operation === 'DescribeServices').length / polls,
    all: following.length / polls,
  };
}

async function awsCliWaiter(sandbox: Sandbox, size: number, c: Case, style: Style): Promise<Sample> {
  const names = await fleet(sandbox, size, style);
  const env = awsChildEnv(sandbox.url);
  const started = Date.now();
  const aws = (args: string[]) => promisify(execFile)('aws', args, { env });
  // What the seeds' scripts do: register a revision with the new image, update-service, wait.
  const ecs = ecsClient(sandbox.url);
  const revisions = await Promise.all(
    names.map(async (name) => {
      const registered = await ecs.send(new RegisterTaskDefinitionCommand(testTaskDefinition(name, c.image)));
      return registered.taskDefinition!.taskDefinitionArn!;
    }),
  );
  let exits: number[];
  if (style.codeDeployConfig) {
    exits = await Promise.all(
      names.map(async (name, i) => {
        const { applicationName, deploymentGroupName } = codeDeployNames(name);
        const appSpec = JSON.stringify({
          version: 0,
          Resources: [
            {
              TargetService: {
                Type: 'AWS::ECS::Service',
                Properties: {
                  TaskDefinition: revisions[i],
                  LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8000 },
                },
              },
            },
          ],
        });
        const created = await aws([
          'deploy',
          'create-deployment',
          '--application-name',
          applicationName,
          '--deployment-group-name',
          deploymentGroupName,
          '--revision',
          JSON.stringify({ revisionType: 'AppSpecContent', appSpecContent: { content: appSpec } }),
          '--query',
          'deploymentId',
          '--output',
          'text',
        ]);
        return aws([
          'deploy',
          'wait',
          'deployment-successful',
          '--deployment-id',
          created.stdout.trim(),
        ]).then(
          () => 0,
          () => 1,
        );
      }),
    );
  } else {
    await Promise.all(
      names.map((name, i) =>
        aws([
          'ecs',
          'update-service',
          '--cluster',
          CLUSTER,
          '--service',
          name,
          '--task-definition',
          revisions[i]!,
        ]),
      ),
    );
    const chunks: string[][] = [];
    for (let i = 0; i < names.length; i += 10) chunks.push(names.slice(i, i + 10));
    exits = await Promise.all(
      chunks.map((chunk) =>
        aws(['ecs', 'wait', 'services-stable', '--cluster', CLUSTER, '--services', ...chunk]).then(
          () => 0,
          () => 1,
        ),
      ),
    );
  }
  const exitedAt = Date.now();
  const succeeded = exits.every((code) => code === 0);
  return {
    latencyMs: exitedAt - lastMark(sandbox, names, c.expected, started),
    // The waiter only knows "stable": after a circuit-breaker rollback the old revision is stable again.
    correct: c.expected === 'COMPLETED' ? succeeded : !succeeded,
  };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main() {
  const sandbox = await startSandbox({ speed: Number(values.speed), clusters: [CLUSTER] });
  const rows: string[][] = [];
  try {
    for (const style of styles.filter((s) => values.styles.split(',').includes(s.name))) {
      for (const size of style.sizes) {
        for (const c of cases) {
          const ours: Sample[] = [];
          for (let i = 0; i < Number(values.runs); i++) ours.push(await slipway(sandbox, size, c, style));
          const baseline: Sample[] = [];
          for (let i = 0; i < Number(values['baseline-runs']); i++)
            baseline.push(await awsCliWaiter(sandbox, size, c, style));
          const oursMedian = median(ours.map((s) => s.latencyMs));
          const baseMedian = median(baseline.map((s) => s.latencyMs));
          rows.push([
            style.name,
            c.name,
            String(size),
            `${(oursMedian / 1000).toFixed(2)} s`,
            `${(Math.max(...ours.map((s) => s.latencyMs)) / 1000).toFixed(2)} s`,
            `${worst(ours, 'describeServices')} (limit ${Math.ceil(size / 10)})`,
            worst(ours, 'all'),
            `${ours.filter((s) => s.correct).length}/${ours.length}`,
            `${(baseMedian / 1000).toFixed(2)} s`,
            `${baseline.filter((s) => s.correct).length}/${baseline.length}`,
            `${(baseMedian / oursMedian).toFixed(1)}×`,
          ]);
          process.stderr.write(`done: ${style.name}, ${c.name}, ${size} service(s)\n`);
        }
      }
    }
  } finally {
    await sandbox.stop();
  }
  const header = [
    'style',
    'case',
    'services',
    'slipway median',
    'slipway max',
    'DescribeServices/poll (worst run)',
    'polling calls/poll (worst run)',
    'slipway correct',
    'aws-cli waiter median',
    'waiter correct',
    'baseline ÷ slipway',
  ];
  console.log(
    `\nVerdict latency: sandbox verdict → process exit (speed ${values.speed}×, ${values.runs} runs; baseline ${values['baseline-runs']} runs)\n`,
  );
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

function worst(samples: Sample[], kind: 'describeServices' | 'all'): string {
  return Math.max(...samples.map((s) => s.perPoll?.[kind] ?? 0)).toFixed(2);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
