import { DbTarget, SyncNeedsForceError, SyncOptions, SyncRequest, SyncResult } from '@slipway/db';
import { InputSource, Secrets, input, onlyWith, parseInputs } from '@slipway/kit';
import { TunnelContext, TunnelSettings, readTunnelSettings, tunnelInputs } from '@slipway/tunnel';
import { CredentialClients, resolveCredentials } from './credentials';
import type { Finished } from './finished';

/** Which of a sync's databases are private, reached through the bastion (sync-prompts' "tunnel" input). */
export interface SyncTunnel {
  sides: ('source' | 'target')[];
  settings?: TunnelSettings;
}

const { mode: tunnelMode, ...bastion } = tunnelInputs;

/** sync-prompts' tunnel inputs, as action.yml declares them (its own "mode" is overwrite or upsert). */
export const syncTunnelInputs = {
  tunnel: input.choice(['none', 'source', 'target', 'both'], { default: 'none' }),
  'tunnel-mode': tunnelMode,
  ...bastion,
};

export function readSyncTunnel(source: InputSource): SyncTunnel {
  const { tunnel } = parseInputs(source, { tunnel: syncTunnelInputs.tunnel });
  onlyWith(
    source,
    syncTunnelInputs,
    ['tunnel-mode', ...Object.keys(bastion).filter((name) => name !== 'region')],
    'tunnel',
    tunnel !== 'none',
    'it configures the bastion, and "tunnel" is none',
  );
  if (tunnel === 'none') return { sides: [] };
  // Read under its own name first, so a bad value is not blamed on the sync's "mode".
  parseInputs(source, { 'tunnel-mode': syncTunnelInputs['tunnel-mode'] });
  return {
    sides: tunnel === 'both' ? ['source', 'target'] : [tunnel],
    // sync-prompts' own "mode" is overwrite or upsert: the bastion's is "tunnel-mode" there.
    settings: readTunnelSettings((name) => source(name === 'mode' ? 'tunnel-mode' : name), 'tunnel-mode'),
  };
}

/**
 * Reads the credentials a sync's databases are named by (inputs, Secrets Manager, Parameter Store), and
 * opens a tunnel through the bastion to each private one; the context's teardown closes them.
 */
export async function resolveSyncRequest(
  request: SyncRequest,
  clients: CredentialClients,
  secrets: Secrets,
  tunnel: SyncTunnel & { context?: TunnelContext } = { sides: [] },
): Promise<{ target: DbTarget; options: Omit<SyncOptions, 'logger'> }> {
  const reach = async (side: 'source' | 'target', database: DbTarget) => {
    if (!tunnel.sides.includes(side)) return database;
    // The tunnel's code is loaded only by a sync that asks for one.
    const { openDatabaseTunnel } = await import('./database-tunnel');
    return (await openDatabaseTunnel(tunnel.settings!, tunnel.context!, database)).local;
  };
  const { source } = request;
  const target = await reach('target', await resolveCredentials(request.target, clients, secrets));
  return {
    target,
    options: {
      ...request.options,
      source:
        source.kind === 'database'
          ? {
              kind: 'database',
              database: await reach('source', await resolveCredentials(source.database, clients, secrets)),
            }
          : source,
    },
  };
}

/**
 * sync-prompts: reads the databases' credentials, opens a tunnel to each private one (the context's
 * teardown closes them), then syncs. A refusal for want of force still has the plan it refused.
 */
export async function syncPromptsFlow(
  request: SyncRequest,
  tunnel: SyncTunnel,
  context: CredentialClients & TunnelContext,
): Promise<Finished<SyncResult>> {
  const { target, options } = await resolveSyncRequest(request, context, context.secrets, {
    ...tunnel,
    context,
  });
  // The sync and pg are loaded once the credentials are read.
  const { syncPrompts } = await import('@slipway/db');
  try {
    return { result: await syncPrompts(target, { ...options, logger: context.logger }) };
  } catch (error) {
    if (error instanceof SyncNeedsForceError) return { result: error.result, failure: error };
    throw error;
  }
}
