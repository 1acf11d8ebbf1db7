import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EC2InstanceConnectClient } from '@aws-sdk/client-ec2-instance-connect';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { ClientFactory, Logger, Secrets, SlipwayError, resolveRegion } from '@slipway/kit';
import type { Bastion } from './bastion';
import { TUNNEL } from './codes';
import type { HostKeyPin } from './hostkey';
import type { Tunnel } from './tunnel';

/** How to reach a private host: through which bastion, by SSM or SSH. */
export interface TunnelSettings {
  mode: 'ssm' | 'ssh';
  /** Neither given: ssh mode with an endpoint and a key of its own uses the endpoint, else Name=bastion. */
  bastion: { instanceId?: string; tag?: string };
  ssh: {
    endpoint?: { host: string; port: number };
    user: string;
    privateKey?: string;
    /** The pinned host keys (ssh mode). */
    hostKeys?: HostKeyPin[];
  };
  readyTimeoutMs: number;
  /** The "region" input; AWS_REGION and AWS_DEFAULT_REGION stand in when a call to AWS needs one. */
  region?: string;
}

/** Where the tunnel leads: a host and port as the bastion sees them. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Cleanups registered as the tunnel opens; the caller runs them (the action lifecycle's teardown). */
export interface Cleanups {
  add(what: string, run: () => Promise<void>): void;
}

/**
 * The clients are made on first use. The modules behind each way of reaching the bastion (EC2, SSM,
 * ssh2, Instance Connect) are loaded only when the chosen way needs them: they are most of the code.
 */
export interface TunnelContext {
  ec2: ClientFactory<EC2Client>;
  ssm: ClientFactory<SSMClient>;
  instanceConnect: ClientFactory<EC2InstanceConnectClient>;
  secrets: Secrets;
  logger: Logger;
  teardown: Cleanups;
  /** Told what a post step must clean up if this process dies before its own teardown. */
  onSsmSession?: (session: { pid: number; sessionId: string }) => void;
  /** Told when the teardown has closed that session, so the post step has nothing left to do. */
  onSsmSessionClosed?: () => void;
}

/**
 * Finds the bastion and opens a tunnel through it to `remote`; the cleanups close it. Returns the
 * tunnel's local end, {host: 127.0.0.1, port}.
 */
export async function openBastionTunnel(
  settings: TunnelSettings,
  context: TunnelContext,
  remote: Endpoint,
): Promise<{ bastion: Bastion; tunnel: Tunnel; local: Endpoint }> {
  const bastion = await locateBastion(settings, context);
  context.logger.info(`Bastion ${bastion.instanceId} (${bastion.address || 'no address'}).`);
  if (bastion.passedOver)
    context.logger.warning(
      `Several running bastions match; using the newest, ${bastion.instanceId}. Passed over: ${bastion.passedOver.join('; ')}.`,
    );
  const tunnel = await openTunnel(settings, context, bastion, remote);
  // The SSM tunnel registered itself as soon as its plugin was spawned.
  if (tunnel.mode === 'ssh') context.teardown.add('close the ssh tunnel', tunnel.close);
  context.logger.info(
    `Tunnel (${tunnel.mode}) open: 127.0.0.1:${tunnel.localPort} → ${remote.host}:${remote.port}.`,
  );
  return { bastion, tunnel, local: { host: '127.0.0.1', port: tunnel.localPort } };
}

/**
 * With an SSH endpoint and a key of its own, and no instance id or tag, the endpoint is the bastion (one
 * outside EC2): nothing to look up. Otherwise EC2 is asked for the newest running instance the inputs select
 * (Name=bastion by default), and an SSH endpoint only overrides the address connected to.
 */
async function locateBastion(request: TunnelSettings, context: TunnelContext): Promise<Bastion> {
  const { endpoint, privateKey } = request.ssh;
  const selected = request.bastion.instanceId || request.bastion.tag;
  if (request.mode === 'ssh' && endpoint && privateKey && !selected) {
    return { instanceId: `${endpoint.host}:${endpoint.port}`, address: endpoint.host };
  }
  const { findBastion } = await import('./bastion');
  return findBastion(await context.ec2(), request.bastion);
}

async function openTunnel(
  request: TunnelSettings,
  context: TunnelContext,
  bastion: Bastion,
  to: Endpoint,
): Promise<Tunnel> {
  const remote = { remoteHost: to.host, remotePort: to.port, timeoutMs: request.readyTimeoutMs };
  if (request.mode === 'ssm') {
    const { openSsmTunnel } = await import('./ssm');
    return openSsmTunnel({
      ssm: await context.ssm(),
      region: resolveRegion(request.region),
      instanceId: bastion.instanceId,
      ...remote,
      onStarted: (started) => {
        context.onSsmSession?.({ pid: started.pid, sessionId: started.sessionId });
        context.teardown.add('close the ssm tunnel', async () => {
          await started.close();
          context.onSsmSessionClosed?.();
        });
      },
    });
  }
  const privateKey = request.ssh.privateKey ?? (await pushEphemeralKey(context, bastion, request.ssh.user));
  context.secrets.register(privateKey);
  const { openSshTunnel } = await import('./ssh');
  return openSshTunnel({
    host: request.ssh.endpoint?.host ?? bastion.address,
    port: request.ssh.endpoint?.port ?? 22,
    username: request.ssh.user,
    privateKey,
    hostKeys: request.ssh.hostKeys!,
    ...remote,
  });
}

/** A fresh ed25519 key, valid on the bastion for 60 s through EC2 Instance Connect; used at once. */
export async function pushEphemeralKey(
  context: Pick<TunnelContext, 'instanceConnect' | 'logger'>,
  bastion: Bastion,
  user: string,
): Promise<string> {
  const { ed25519KeyPair } = await import('./keys');
  const { SendSSHPublicKeyCommand } = await import('@aws-sdk/client-ec2-instance-connect');
  const key = ed25519KeyPair('slipway-ephemeral');
  const answer = await (
    await context.instanceConnect()
  ).send(
    new SendSSHPublicKeyCommand({
      InstanceId: bastion.instanceId,
      InstanceOSUser: user,
      SSHPublicKey: key.public,
      AvailabilityZone: bastion.availabilityZone,
    }),
  );
  if (!answer.Success)
    throw new SlipwayError(
      TUNNEL.SSH_FAILED,
      `EC2 Instance Connect refused the key for ${user}@${bastion.instanceId}.`,
    );
  context.logger.info(`Pushed an ephemeral key for ${user}@${bastion.instanceId} (valid 60 s).`);
  return key.private;
}
