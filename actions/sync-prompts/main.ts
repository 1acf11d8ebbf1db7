import { SyncNeedsForceError, readSyncRequest, syncOutputs, syncSummary } from '@slipway/db';
import { maskSecretInputs } from '@slipway/kit';
import { Teardown, readSyncTunnel, resolveSyncRequest, tunnelClients, tunnelInputs } from '@slipway/tunnel';
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
  // The bastion's key is masked before any input is parsed (the database URLs are, by readSyncRequest).
  maskSecretInputs(actionInputs, tunnelInputs, secrets);
  const request = readSyncRequest(actionInputs, process.env.GITHUB_WORKSPACE ?? process.cwd(), secrets);
  const tunnel = readSyncTunnel(actionInputs);
  const clients = tunnelClients({ region: request.region ?? tunnel.settings?.region });
  const teardown = new Teardown();
  // A cancelled job still closes its tunnels; the sync's transaction dies with the connection.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(
      signal,
      () => void teardown.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143)),
    );
  }
  try {
    const { target, options } = await resolveSyncRequest(request, clients, secrets, {
      ...tunnel,
      context: {
        ...clients,
        secrets,
        logger: actionLogger,
        teardown,
      },
    });
    // The sync and pg are loaded once the credentials are read.
    const { syncPrompts } = await import('@slipway/db');
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
