import { EC2Client } from '@aws-sdk/client-ec2';
import { EC2InstanceConnectClient } from '@aws-sdk/client-ec2-instance-connect';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SyncNeedsForceError, readSyncRequest, syncOutputs, syncPrompts, syncSummary } from '@slipway/db';
import { awsClient } from '@slipway/kit';
import { Teardown, readSyncTunnel, resolveSyncRequest } from '@slipway/tunnel';
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
  const tunnel = readSyncTunnel(actionInputs);
  const region = { region: request.region ?? tunnel.settings?.region };
  const teardown = new Teardown();
  // A cancelled job still closes its tunnels; the sync's transaction dies with the connection.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(
      signal,
      () => void teardown.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143)),
    );
  }
  try {
    const { target, options } = await resolveSyncRequest(
      request,
      {
        secretsManager: () => awsClient(SecretsManagerClient, region),
        ssm: () => awsClient(SSMClient, region),
      },
      secrets,
      {
        ...tunnel,
        context: {
          ec2: () => awsClient(EC2Client, region),
          ssm: () => awsClient(SSMClient, region),
          instanceConnect: () => awsClient(EC2InstanceConnectClient, region),
          secrets,
          logger: actionLogger,
          teardown,
        },
      },
    );
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
  } finally {
    for (const failure of await teardown.run()) actionLogger.warning(`Teardown: ${failure}`);
  }
}
