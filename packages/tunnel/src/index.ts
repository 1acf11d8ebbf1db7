export { TUNNEL } from './codes';
export { tunnelClients } from './clients';
export { ed25519KeyPair } from './keys';
export { type Bastion, findBastion } from './bastion';
export { type HostKeyPin, fingerprintOf, parseHostKeyPin, pinnedAlgorithms } from './hostkey';
export { openSshTunnel } from './ssh';
export { freeLocalPort, openSsmTunnel, SESSION_ENV, ssmEndpoint } from './ssm';
export type { Tunnel } from './tunnel';
export {
  type Cleanups,
  type Endpoint,
  type TunnelContext,
  type TunnelSettings,
  openBastionTunnel,
  pushEphemeralKey,
} from './open';
export { readTunnelSettings, tunnelInputs } from './inputs';
export { startShell } from './command';
export { cleanUpSsmSession, ssmSessionSlot, ssmSessionState } from './ssm-session';
