import {
  InputSource,
  ec2Id,
  endpoint,
  input,
  onlyWith,
  parseInputs,
  pattern,
  privateKey,
  region,
  tagFilter,
} from '@slipway/kit';
import { parseHostKeyPin } from './hostkey';
import type { TunnelSettings } from './open';

const sshUser = pattern(
  'a user name (letters, digits and _ . -)',
  /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/,
  'is not a user name',
);

/** How to reach the bastion: the inputs run-migrations-via-bastion and sync-prompts share. */
export const tunnelInputs = {
  mode: input.choice(['ssm', 'ssh'], { default: 'ssm' }),
  'bastion-instance-id': input.value(ec2Id('i')),
  // Empty by default: with "ssh-endpoint" and "ssh-private-key" alone, the endpoint is the bastion.
  'bastion-tag': input.value(tagFilter),
  'ssh-endpoint': input.value(endpoint),
  'ssh-user': input.value(sshUser, { default: 'ec2-user' }),
  'ssh-private-key': input.value(privateKey, { secret: true, multiline: true }),
  'ssh-host-key': input.string({ multiline: true }),
  'tunnel-timeout': input.integer({ default: 30, min: 1, max: 3600 }),
  region: input.value(region),
};

/** SSH-only inputs: in ssm mode they would be ignored. */
const SSH_ONLY = ['ssh-endpoint', 'ssh-host-key'];

/** `modeName`: the bastion's mode is "mode" in run-migrations, "tunnel-mode" in sync-prompts. */
export function readTunnelSettings(source: InputSource, modeName = 'mode'): TunnelSettings {
  const i = parseInputs(source, tunnelInputs);
  onlyWith(
    source,
    tunnelInputs,
    SSH_ONLY,
    `${modeName}: ssh`,
    i.mode === 'ssh',
    'it is read in ssh mode only',
  );
  return {
    mode: i.mode,
    bastion: { instanceId: i['bastion-instance-id'], tag: i['bastion-tag'] },
    ssh: {
      endpoint: i['ssh-endpoint']
        ? { host: i['ssh-endpoint'].host, port: i['ssh-endpoint'].port ?? 22 }
        : undefined,
      user: i['ssh-user'],
      privateKey: i['ssh-private-key'],
      hostKeys: i.mode === 'ssh' ? parseHostKeyPin(i['ssh-host-key']) : undefined,
    },
    readyTimeoutMs: i['tunnel-timeout'] * 1000,
    // Resolved only by what asks AWS: a bastion outside EC2 with inputs for credentials needs no region.
    region: i.region,
  };
}
