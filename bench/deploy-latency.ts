/**
 * Verdict latency and API calls of ecs-deploy against the sandbox, per deployment style: the time from
 * the sandbox marking the rollout's end (COMPLETED; for a circuit-breaker failure, the end of ECS's
 * rollback, which both ecs-deploy and the waiter wait for) to the action's exit, how soon a failure is
 * announced after the sandbox marks it FAILED, DescribeServices (and all polling calls) per minute per
 * 10 services, and calls per poll. Rolling updates of 1 and 20 services; BLUE_GREEN, LINEAR, CANARY and
 * CODE_DEPLOY of one. The baseline, measured in the same run, is what the seeds' scripts do today:
 * `aws ecs update-service` then `aws ecs wait services-stable` (the CLI waiter, one per 10 services);
 * for CodeDeploy, `aws deploy create-deployment` then `aws deploy wait deployment-successful`.
 *
 * The headline is speed 1, real time: tasks provision for 15 s, pend for 30 s and pass their health
 * check 15 s after RUNNING, so a rolling update takes over a minute (a circuit-breaker failure and its
 * rollback nearly three). Higher speeds flatter the waiter, whose 15 s delay is real time.
 *
 *   npm run bench -- [--runs 3] [--baseline-runs 1] [--speed 1] [--styles ROLLING,BLUE_GREEN,…]
 *                    [--sizes 1,20] [--cases success,failure]
 *
 * Set SLIPWAY_DIST_DIR to measure a private build (scripts/bundle.mjs honours it too).
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
import {
  createStableService,
  ecsClient,
  pushImages,
  REGISTRY,
  testTaskDefinition,
} from '../tests/helpers/ecs';
import { awsChildEnv } from '../tests/helpers/env';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'baseline-runs': { type: 'string', default: '1' },
    speed: { type: 'string', default: '1' },
    styles: { type: 'string', default: 'ROLLING' },
    sizes: { type: 'string', default: '1,20' },
    cases: { type: 'string', default: 'success,failure' },
  },
});
/** Task durations for a rolling update of over a minute (simulated seconds; real ones at speed 1). */
const TIMING = { provisioningSeconds: 15, pendingSeconds: 30, healthCheckSeconds: 15, stoppingSeconds: 5 };
const CLUSTER = 'bench';
const cases = [
  { key: 'success', name: 'success', image: `${REGISTRY}/app:v2`, expected: 'COMPLETED' },
  { key: 'failure', name: 'circuit-breaker failure', image: `${REGISTRY}/app:crash-v2`, expected: 'FAILED' },
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
  /** From the sandbox marking the deployment FAILED to the failure's announcement (ours, failures). */
  announceMs?: number;
  /** DescribeServices and all polling calls per minute per 10 services while following. */
  perMinute: { describeServices: number; all: number };
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
        stableTimeoutMs: 600_000,
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

/** Per service, the first mark of `state` at or after `since` (a number per service, or one for all). */
function firstMarks(
  sandbox: Sandbox,
  names: string[],
  state: string,
  since: number | Map<string, number>,
): Map<string, number> {
  const after = (service: string) => (typeof since === 'number' ? since : since.get(service)!);
  const first = new Map<string, number>();
  for (const mark of sandbox.marks()) {
    if (!names.includes(mark.service) || mark.rolloutState !== state || mark.at < after(mark.service))
      continue;
    if (!first.has(mark.service)) first.set(mark.service, mark.at);
  }
  if (first.size !== names.length)
    throw new Error(`only ${first.size}/${names.length} deployments reached ${state}`);
  return first;
}

/**
 * When the last service's rollout ended: its deployment COMPLETED; for a failure, ECS's rollback (the
 * COMPLETED deployment after the FAILED one). Also when the last deployment was marked FAILED.
 */
function rolloutEnd(sandbox: Sandbox, names: string[], c: Case, since: number) {
  if (c.expected === 'COMPLETED') {
    return { endedAt: Math.max(...firstMarks(sandbox, names, 'COMPLETED', since).values()) };
  }
  const failed = firstMarks(sandbox, names, 'FAILED', since);
  const rolledBack = firstMarks(sandbox, names, 'COMPLETED', failed);
  return { endedAt: Math.max(...rolledBack.values()), failedAt: failed };
}

/** Calls per minute per 10 services (one DescribeServices answers for ten). */
function perMinute(calls: string[], size: number, durationMs: number): Sample['perMinute'] {
  const minutes = durationMs / 60_000;
  const batches = Math.ceil(size / 10);
  const count = (keep: (operation: string) => boolean) => calls.filter(keep).length / minutes / batches;
  return {
    describeServices: count((operation) => operation === 'DescribeServices'),
    all: count((operation) => POLLING_CALLS.has(operation)),
  };
}

async function slipway(sandbox: Sandbox, names: string[], c: Case): Promise<Sample> {
  const size = names.length;
  sandbox.resetCalls();
  const started = Date.now();
  const run = await runAction(
    'ecs-deploy',
    { cluster: CLUSTER, services: names.join('\n'), images: `app=${c.image}`, timeout: '600' },
    { endpoint: sandbox.url },
  );
  const exitedAt = Date.now();
  const status = run.outputs.status;
  const { endedAt, failedAt } = rolloutEnd(sandbox, names, c, started);
  const calls = sandbox.callSequence();
  const following = followingCalls(calls);
  // The announcement of each service's failure: its first error annotation.
  const announced = failedAt
    ? Math.max(
        ...names.map((name) => {
          const line = run.lines.find((l) => l.text.startsWith('::error') && l.text.includes(`${name}: `));
          return (line?.at ?? exitedAt) - failedAt.get(name)!;
        }),
      )
    : undefined;
  return {
    latencyMs: exitedAt - endedAt,
    correct:
      c.expected === 'COMPLETED'
        ? run.exitCode === 0 && status === 'SUCCEEDED'
        : run.exitCode === 1 && status === 'ROLLED_BACK' && /serving again/.test(run.stdout),
    announceMs: announced,
    perMinute: perMinute(following, size, exitedAt - started),
    perPoll: callsPerPoll(following, run.stdout),
  };
}

/**
 * The calls the sandbox served while the action followed the rollout: after its last UpdateService or
 * CreateDeployment, up to its last DescribeServices (the diagnosis that follows a failure is not polling).
 */
function followingCalls(calls: string[]): string[] {
  const lastWrite = Math.max(calls.lastIndexOf('UpdateService'), calls.lastIndexOf('CreateDeployment'));
  return calls
    .slice(lastWrite + 1, calls.lastIndexOf('DescribeServices') + 1)
    .filter((operation) => POLLING_CALLS.has(operation));
}

/** What the action polls with: ECS service and service-deployment reads, and CodeDeploy's GetDeployment. */
const POLLING_CALLS = new Set([
  'DescribeServices',
  'ListServiceDeployments',
  'DescribeServiceDeployments',
  'GetDeployment',
]);

/** The polling calls divided by the polls the action logged. */
function callsPerPoll(following: string[], stdout: string): { describeServices: number; all: number } {
  const polls = Math.max(stdout.match(/::debug::poll \d+:/g)?.length ?? 0, 1);
  return {
    describeServices: following.filter((operation) => operation === 'DescribeServices').length / polls,
    all: following.length / polls,
  };
}

async function awsCliWaiter(sandbox: Sandbox, names: string[], c: Case, style: Style): Promise<Sample> {
  const size = names.length;
  sandbox.resetCalls();
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
  const calls = sandbox.callSequence();
  const following = calls.slice(
    Math.max(calls.lastIndexOf('UpdateService'), calls.lastIndexOf('CreateDeployment')) + 1,
  );
  return {
    latencyMs: exitedAt - rolloutEnd(sandbox, names, c, started).endedAt,
    perMinute: perMinute(following, size, exitedAt - started),
    // The waiter only knows "stable": after a circuit-breaker rollback the old revision is stable again.
    correct: c.expected === 'COMPLETED' ? succeeded : !succeeded,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main() {
  const sandbox = await startSandbox({ speed: Number(values.speed), clusters: [CLUSTER], timing: TIMING });
  // Built and pushed, as a pipeline's images are: ecs-deploy's pre-flight checks that they exist.
  await pushImages(
    sandbox.url,
    cases.map((c) => c.image),
  );
  const sizes = values.sizes.split(',').map(Number);
  const rows: string[][] = [];
  try {
    for (const style of styles.filter((s) => values.styles.split(',').includes(s.name))) {
      for (const size of style.sizes.filter((n) => sizes.includes(n) || style.sizes.length === 1)) {
        for (const c of cases.filter((k) => values.cases.split(',').includes(k.key))) {
          // Every run's services at once: their first rollouts take as long as the ones measured.
          const runs = Number(values.runs);
          const fleets = await Promise.all(
            Array.from({ length: runs + Number(values['baseline-runs']) }, () => fleet(sandbox, size, style)),
          );
          const ours: Sample[] = [];
          for (const names of fleets.slice(0, runs)) ours.push(await slipway(sandbox, names, c));
          const baseline: Sample[] = [];
          for (const names of fleets.slice(runs)) baseline.push(await awsCliWaiter(sandbox, names, c, style));
          const oursMedian = median(ours.map((s) => s.latencyMs));
          const baseMedian = median(baseline.map((s) => s.latencyMs));
          const oursRate = mean(ours.map((s) => s.perMinute.describeServices));
          const baseRate = mean(baseline.map((s) => s.perMinute.describeServices));
          const announce = ours.flatMap((s) => (s.announceMs === undefined ? [] : [s.announceMs]));
          rows.push([
            style.name,
            c.name,
            String(size),
            `${(oursMedian / 1000).toFixed(2)} s`,
            `${(Math.max(...ours.map((s) => s.latencyMs)) / 1000).toFixed(2)} s`,
            announce.length ? `${(Math.max(...announce) / 1000).toFixed(2)} s` : '—',
            oursRate.toFixed(1),
            mean(ours.map((s) => s.perMinute.all)).toFixed(1),
            `${worst(ours, 'describeServices')} (limit ${Math.ceil(size / 10)})`,
            `${ours.filter((s) => s.correct).length}/${ours.length}`,
            `${(baseMedian / 1000).toFixed(2)} s`,
            baseRate.toFixed(1),
            `${baseline.filter((s) => s.correct).length}/${baseline.length}`,
            `${(baseMedian / oursMedian).toFixed(1)}×`,
            `${(oursRate / baseRate).toFixed(1)}×`,
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
    'failure announced (max)',
    'DescribeServices/min/10 svc',
    'polling calls/min/10 svc',
    'DescribeServices/poll (worst run)',
    'slipway correct',
    'aws-cli waiter median',
    'waiter DescribeServices/min/10 svc',
    'waiter correct',
    'latency: waiter ÷ slipway',
    'calls/min: slipway ÷ waiter',
  ];
  console.log(
    `\nVerdict latency: rollout end in the sandbox (COMPLETED; for a failure, ECS's rollback COMPLETED) → process exit; failure announced: sandbox FAILED → first error annotation. Speed ${values.speed}× (tasks ${TIMING.provisioningSeconds} s provisioning, ${TIMING.pendingSeconds} s pending, healthy ${TIMING.healthCheckSeconds} s after RUNNING), ${values.runs} runs; baseline ${values['baseline-runs']} runs. Calls per minute are averages over each run's following time.\n`,
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
