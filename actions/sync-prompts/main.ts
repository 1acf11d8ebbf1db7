import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SyncNeedsForceError, readSyncRequest, syncOutputs, syncPrompts, syncSummary } from '@slipway/db';
import { awsClient } from '@slipway/kit';
import { resolveSyncRequest } from '@slipway/tunnel';
import {
  actionInputs,
  actionLogger,
  actionSecrets,
  runStep,
  setOutputs,
  writeSummary,
} from '../common/runtime';

export function run(): Promise<void> {
  return runStep(main);
}

async function main(): Promise<void> {
  const secrets = actionSecrets();
  const request = readSyncRequest(actionInputs, process.env.GITHUB_WORKSPACE ?? process.cwd(), secrets);
  const region = { region: request.region };
  const { target, options } = await resolveSyncRequest(
    request,
    {
      secretsManager: () => awsClient(SecretsManagerClient, region),
      ssm: () => awsClient(SSMClient, region),
    },
    secrets,
  );
  try {
    const result = await syncPrompts(target, { ...options, logger: actionLogger });
    setOutputs(syncOutputs(result));
    await writeSummary(syncSummary(result));
  } catch (error) {
    // A refusal for want of force still shows the plan it refused.
    if (error instanceof SyncNeedsForceError) {
      setOutputs(syncOutputs(error.result));
      await writeSummary(syncSummary(error.result));
    }
    throw error;
  }
}
