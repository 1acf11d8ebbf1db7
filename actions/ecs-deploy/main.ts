import { ECSClient } from '@aws-sdk/client-ecs';
import {
  checkDeployFiles,
  deploy,
  deployFailure,
  deployOutputs,
  deploySummary,
  PreviewRequest,
  previewOutputs,
  preflightClients,
  previewSummary,
  readEcsRequest,
} from '@slipway/ecs';
import { awsClient, onDemand } from '@slipway/kit';
import { StepContext, StepReport, runAction } from '../common/lifecycle';
import { actionInputs, actionLogger, actionSecrets } from '../common/runtime';

export function run(): Promise<void> {
  return runAction({
    // Cancelling a job aborts the deploy: a running one-off task is stopped rather than left behind.
    finishesOnAbort: true,
    main: async ({ signal }) => {
      const step = readEcsRequest(actionInputs);
      if (step.mode === 'preview') return runPreviewStep(step.preview, step.region, signal);
      await checkDeployFiles(step.deploy);
      const result = await deploy(step.deploy, contextFor(step.region, signal));
      return {
        outputs: deployOutputs(result),
        summary: deploySummary(result),
        failure: deployFailure(result),
      };
    },
  });
}

async function runPreviewStep(
  request: PreviewRequest,
  region: string | undefined,
  signal: StepContext['signal'],
): Promise<StepReport> {
  if (request.action === 'deploy') await checkDeployFiles(request.deploy);
  // Previews alone manage load balancer rules: their code and ELB's client load only for them.
  const { runPreview } = await import('@slipway/ecs');
  const result = await runPreview(request, {
    ...contextFor(region, signal),
    elb: onDemand(
      async () => (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client,
      { region },
    ),
  });
  return {
    outputs: previewOutputs(result),
    summary: previewSummary(result),
    failure: result.action === 'deploy' ? deployFailure(result.deployment) : undefined,
  };
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
    logger: actionLogger,
    preflight: preflightClients(region),
    // Registry logins read to find an image's commit are masked in the job's log like every secret.
    ordering: { secrets: actionSecrets() },
  };
}
