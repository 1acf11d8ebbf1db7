import { EC2Client } from '@aws-sdk/client-ec2';
import { EC2InstanceConnectClient } from '@aws-sdk/client-ec2-instance-connect';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { awsClient, stateSlot } from '@slipway/kit';
import {
  Teardown,
  migrationOutputs,
  migrationSummary,
  readMigrationRequest,
  runMigrations,
} from '@slipway/tunnel';
import { z } from 'zod';
import {
  actionInputs,
  actionLogger,
  actionSecrets,
  actionState,
  runMainOrPost,
  setOutputs,
  writeSummary,
} from '../common/runtime';

const ssmSession = stateSlot(
  'ssm-session',
  z.object({ pid: z.number(), sessionId: z.string(), region: z.string() }),
);

export function run(): Promise<void> {
  return runMainOrPost(main, post);
}

async function main(): Promise<void> {
  const request = readMigrationRequest(actionInputs, process.env.GITHUB_WORKSPACE ?? process.cwd());
  const teardown = new Teardown();
  // Cancelling a job sends SIGINT, then SIGKILL 7.5 s later: close the tunnel in between.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      actionLogger.warning(`${signal}: closing the tunnel before exiting.`);
      void teardown.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  const region = { region: request.region };
  const outcome = await runMigrations(request, {
    ec2: () => awsClient(EC2Client, region),
    ssm: () => awsClient(SSMClient, region),
    secretsManager: () => awsClient(SecretsManagerClient, region),
    instanceConnect: () => awsClient(EC2InstanceConnectClient, region),
    secrets: actionSecrets(),
    logger: actionLogger,
    teardown,
    onSsmSession: (session) => ssmSession.save(actionState, { ...session, region: request.region }),
  });
  setOutputs(migrationOutputs(outcome));
  await writeSummary(migrationSummary(outcome));
}

/** Does work only if main died before its own teardown: kill the plugin, end the session. */
async function post(): Promise<void> {
  const session = ssmSession.load(actionState);
  if (!session) return;
  try {
    process.kill(session.pid, 'SIGKILL');
  } catch {
    // Already gone, as it should be.
  }
  await awsClient(SSMClient, { region: session.region })
    .send(new TerminateSessionCommand({ SessionId: session.sessionId }))
    .catch((error: Error) => actionLogger.warning(`TerminateSession ${session.sessionId}: ${error.message}`));
}
