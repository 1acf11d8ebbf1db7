import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  deploy,
  deployFailure,
  deployOutputs,
  deploySummary,
  PreviewRequest,
  previewOutputs,
  previewSummary,
  readDeployRequest,
  readPreviewRequest,
  runPreview,
} from '@slipway/ecs';
import { awsClient } from '@slipway/kit';
import { actionInputs, actionLogger, runStep, setOutputs, writeSummary } from '../common/runtime';

export function run(): Promise<void> {
  return runStep(async () => {
    const preview = readPreviewRequest(actionInputs);
    if (preview) return runPreviewStep(preview);
    const request = readDeployRequest(actionInputs);
    const result = await deploy(request, contextFor(request.region));
    setOutputs(deployOutputs(result));
    await writeSummary(deploySummary(result));
    const failure = deployFailure(result);
    if (failure) throw failure;
  });
}

async function runPreviewStep(request: PreviewRequest & { region?: string }): Promise<void> {
  const result = await runPreview(request, {
    ...contextFor(request.region),
    elb: () => awsClient(ElasticLoadBalancingV2Client, { region: request.region }),
  });
  setOutputs(previewOutputs(result));
  await writeSummary(previewSummary(result));
  const failure = result.deployment && deployFailure(result.deployment);
  if (failure) throw failure;
}

// Cancelling a job sends SIGINT: a running one-off task is stopped rather than left behind.
const cancelled = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => cancelled.abort());

function contextFor(region: string | undefined) {
  let codedeploy: CodeDeployClient | undefined;
  return {
    signal: cancelled.signal,
    ecs: awsClient(ECSClient, { region }),
    logs: awsClient(CloudWatchLogsClient, { region }),
    codedeploy: () => (codedeploy ??= awsClient(CodeDeployClient, { region })),
    logger: actionLogger,
  };
}
