/**
 * What pre-flight adds to a deploy whose checks all pass. ecs-deploy runs with `preflight: off` (the
 * baseline) and `preflight: enforce`, interleaved round by round on the same services, each deploying a
 * new image tag (a new revision and an UpdateService), with `wait: false` so the step ends once the
 * deployments started: the difference of the medians is the checks' cost. Every check has something to
 * check: an ECR image (sandbox), a Secrets Manager secret and an SSM parameter (moto), an awslogs log
 * group (sandbox), the Fargate size, a load balancer target, and the execution role's right to read the
 * secret and the parameter (the sandbox's IAM policy simulator). The services' subnet and security group
 * pass from their running tasks, as on a live Fargate service; looking them up (moto's EC2, for a service
 * running no task) is what tests/e2e/ecs-deploy/preflight.test.ts covers.
 * Also: the checks' own time as the step logs it, and their sandbox calls per deploy (ECR, Logs, IAM) —
 * one per repository, log group, and role and service, however many services.
 *
 *   npx tsx bench/preflight.ts [--runs 9] [--sizes 1,5]
 *
 * Set SLIPWAY_DIST_DIR to measure a private build.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { done, notYet, waitUntil } from '@slipway/kit';
import { runAction } from '../tests/helpers/action';
import { startPreflightWorld } from '../tests/helpers/preflight';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '9' }, sizes: { type: 'string', default: '1,5' } },
});
const runs = Number(values.runs);
const sizes = values.sizes.split(',').map(Number);
const CLUSTER = 'bench';

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The services' first deployments complete (healthy tasks) before any deploy is timed, as a live service's have. */
async function untilSteady(ecs: ECSClient, names: string[]): Promise<void> {
  const waited = await waitUntil(
    async () => {
      const { services = [] } = await ecs.send(
        new DescribeServicesCommand({ cluster: CLUSTER, services: names }),
      );
      const idle = services
        .filter((s) => s.deployments?.length !== 1 || s.deployments[0]?.rolloutState !== 'COMPLETED')
        .map((s) => s.serviceName!);
      return idle.length ? notYet(idle) : done(undefined);
    },
    { deadline: Date.now() + 60_000, backoff: () => 200 },
  );
  if (waited.kind !== 'done') throw new Error(`services not steady after 60 s: ${JSON.stringify(waited)}`);
}

async function main() {
  const tags = Array.from({ length: 2 * runs + 1 }, (_, i) => `v${i}`);
  const world = await startPreflightWorld({ cluster: CLUSTER, tags, speed: 20 });
  const rows: string[][] = [];
  try {
    for (const size of sizes) {
      const names = Array.from({ length: size }, (_, i) => `bench-${size}-${i}`);
      for (const name of names) await world.service(name);
      await untilSteady(world.ecs, names);
      const samples = { off: [] as number[], enforce: [] as number[], checks: [] as number[] };
      // The checks' calls: an enforce run's beyond the off run's before it (other steps call ECR too).
      const calls: Record<'off' | 'enforce', Record<string, number>> = { off: {}, enforce: {} };
      for (let round = 0; round < runs; round++) {
        for (const mode of ['off', 'enforce'] as const) {
          const tag = tags[1 + 2 * round + (mode === 'enforce' ? 1 : 0)]!;
          world.sandbox.resetCalls();
          const run = await runAction(
            'ecs-deploy',
            {
              cluster: CLUSTER,
              services: names.join(','),
              images: `app=${world.image(tag)}`,
              wait: 'false',
              preflight: mode,
            },
            { endpoint: world.sandbox.url, env: world.env },
          );
          if (run.exitCode !== 0 || run.outputs.status !== 'STARTED') {
            throw new Error(
              `${mode} deploy of ${size} service(s) ended ${run.outputs.status}:\n${run.stdout}`,
            );
          }
          samples[mode].push(run.durationMs);
          calls[mode] = world.sandbox.calls();
          if (mode === 'enforce') {
            const logged = /check\(s\) passed in (\d+) ms/.exec(run.stdout);
            if (!logged) throw new Error(`no pre-flight timing in the log:\n${run.stdout}`);
            samples.checks.push(Number(logged[1]));
          }
        }
      }
      const added = median(samples.enforce) - median(samples.off);
      rows.push([
        String(size),
        `${median(samples.off).toFixed(0)} ms`,
        `${median(samples.enforce).toFixed(0)} ms`,
        `${added.toFixed(0)} ms`,
        `${median(samples.checks).toFixed(0)} ms (max ${Math.max(...samples.checks)})`,
        ['BatchGetImage', 'DescribeLogGroups', 'SimulatePrincipalPolicy']
          .map((op) => `${(calls.enforce[op] ?? 0) - (calls.off[op] ?? 0)} ${op}`)
          .join(', '),
        added <= 300 ? 'yes' : 'NO',
      ]);
      process.stderr.write(`done: ${size} service(s)\n`);
    }
  } finally {
    await world.stop();
  }
  const header = [
    'services',
    'deploy, preflight off (median)',
    'deploy, preflight enforce (median)',
    'added by pre-flight',
    'checks as logged (median)',
    'sandbox calls of the checks per deploy',
    '≤ 300 ms',
  ];
  console.log(
    `\nA deploy whose checks all pass (wait: false: process start → deployments started), ${runs} interleaved rounds per mode, medians; node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end.\n`,
  );
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
