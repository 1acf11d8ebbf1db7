import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { deploy, deployFailure, deployOutputs, deploySummary, readDeployRequest } from '@slipway/ecs';
import { awsClient } from '@slipway/kit';
import { actionInputs, actionLogger, runStep, setOutputs, writeSummary } from '../common/runtime';

export function run(): Promise<void> {
  return runStep(async () => {
    const request = readDeployRequest(actionInputs);
    const clients = { region: request.region };
    const result = await deploy(request, {
      ecs: awsClient(ECSClient, clients),
      logs: awsClient(CloudWatchLogsClient, clients),
      logger: actionLogger,
    });
    setOutputs(deployOutputs(result));
    await writeSummary(deploySummary(result));
    const failure = deployFailure(result);
    if (failure) throw failure;
  });
}
