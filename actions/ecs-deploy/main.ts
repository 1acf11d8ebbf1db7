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
  readDeployRequest,
  readPreviewRequest,
} from '@slipway/ecs';
import { awsClient, onDemand } from '@slipway/kit';
import {
  actionInputs,
  actionLogger,
  actionSecrets,
  runStep,
  setOutputs,
  writeSummary,
} from '../common/runtime';

export function run(): Promise<void> {
  return runStep(async () => {
    const preview = readPreviewRequest(actionInputs);
    if (preview) return runPreviewStep(preview);
    const request = readDeployRequest(actionInputs);
    await checkDeployFiles(request);
    const result = await deploy(request, contextFor(request.region));
    setOutputs(deployOutputs(result));
    await writeSummary(deploySummary(result));
    const failure = deployFailure(result);
    if (failure) throw failure;
  });
}

async function runPreviewStep(request: PreviewRequest & { region?: string }): Promise<void> {
  if (request.deploy) await checkDeployFiles(request.deploy);
  // Previews alone manage load balancer rules: their code and ELB's client load only for them.
  const { runPreview } = await import('@slipway/ecs');
  const result = await runPreview(request, {
    ...contextFor(request.region),
    elb: onDemand(
      async () => (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client,
      { region: request.region },
    ),
  });
  setOutputs(previewOutputs(result));
  await writeSummary(previewSummary(result));
  const failure = result.deployment && deployFailure(result.deployment);
  if (failure) throw failure;
}

// Cancelling a job sends SIGINT: a running one-off task is stopped rather than left behind.
const cancelled = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => cancelled.abort());

/** ECS is called at once; the others only by the deploys that need them, so they load on first use. */
function contextFor(region: string | undefined) {
  return {
    signal: cancelled.signal,
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
