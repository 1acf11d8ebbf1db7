import { readSyncRequest, syncOutputs, syncSummary } from '@slipway/db';
import { readSyncTunnel, syncPromptsFlow } from '@slipway/flows';
import { maskSecretInputs } from '@slipway/kit';
import { cleanUpSsmSession, ssmSessionState, tunnelClients, tunnelInputs } from '@slipway/tunnel';
import { runAction } from '../common/lifecycle';
import { actionInputs, actionLogger, actionSecrets, actionState } from '../common/runtime';

export function run(): Promise<void> {
  return runAction({
    main: async ({ teardown }) => {
      const secrets = actionSecrets();
      // The bastion's key is masked before any input is parsed (the database URLs are, by readSyncRequest).
      maskSecretInputs(actionInputs, tunnelInputs, secrets);
      const request = readSyncRequest(actionInputs, process.env.GITHUB_WORKSPACE ?? process.cwd(), secrets);
      const tunnel = readSyncTunnel(actionInputs);
      const region = request.region ?? tunnel.settings?.region;
      // A cancelled job still closes its tunnels; the sync's transaction dies with the connection.
      const { result, failure } = await syncPromptsFlow(request, tunnel, {
        ...tunnelClients({ region }),
        secrets,
        logger: actionLogger,
        teardown,
        ...ssmSessionState(actionState, region),
      });
      // A refusal for want of force still shows the plan it refused.
      return { outputs: syncOutputs(result), summary: syncSummary(result), failure };
    },
    // The safety net for an SSM tunnel whose session outlived a killed main step.
    post: () =>
      cleanUpSsmSession(actionState, {
        ssm: (region) => tunnelClients({ region }).ssm(),
        logger: actionLogger,
      }),
  });
}
