import type { DbTarget } from '@slipway/db';
import { Bastion, Tunnel, TunnelContext, TunnelSettings, openBastionTunnel } from '@slipway/tunnel';

/** Opens a tunnel through the bastion to the database; returns the database as reached through its local end. */
export async function openDatabaseTunnel(
  settings: TunnelSettings,
  context: TunnelContext,
  database: DbTarget,
): Promise<{ bastion: Bastion; tunnel: Tunnel; local: DbTarget }> {
  const opened = await openBastionTunnel(settings, context, database);
  return { ...opened, local: { ...database, ...opened.local } };
}
