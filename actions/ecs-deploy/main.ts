import { ECSClient } from '@aws-sdk/client-ecs';
import {
  deployOutputs,
  deploySummary,
  previewOutputs,
  preflightClients,
  previewSummary,
  readEcsRequest,
} from '@slipway/ecs';
import { ecsDeploy } from '@slipway/flows';
import { awsClient, onDemand } from '@slipway/kit';
import { runAction } from '../common/lifecycle';
import { actionInputs, actionLogger, actionSecrets } from '../common/runtime';

export function run(): Promise<void> {
  return runAction({
    // Cancelling a job aborts the deploy: a running one-off task is stopped rather than left behind.
    finishesOnAbort: true,
    main: async ({ signal }) => {
      const step = readEcsRequest(actionInputs);
      const { result, failure } = await ecsDeploy(step, contextFor(step.region, signal));
      return result.mode === 'deploy'
        ? { outputs: deployOutputs(result.deploy), summary: deploySummary(result.deploy), failure }
        : { outputs: previewOutputs(result.preview), summary: previewSummary(result.preview), failure };
    },
  });
}

/** ECS is called at once; the others only by the deploys that need them, so they load on first use. */
function contextFor(region: string | undefined, signal: AbortSignal) {
  return {
    signal,
    ecs: awsClient(ECSClient, { region }),
    logs: onDemand(async () => (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient, {
      region,
    }),
    codedeploy: onDemand(async () => (await import('@aws-sdk/client-codedeploy')).CodeDeployClient, {
      region,
    }),
    // Previews alone manage load balancer rules.
    elb: onDemand(
      async () => (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client,
      { region },
    ),
    logger: actionLogger,
    preflight: preflightClients(region),
    // Registry logins read to find an image's commit are masked in the job's log like every secret.
    ordering: { secrets: actionSecrets() },
  };
}
