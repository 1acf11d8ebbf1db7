import { createHash } from 'node:crypto';
import { ConfigurationError } from '@slipway/kit';
import { TUNNEL } from './codes';

/** One pinned host key: its fingerprint, and its key type when a known_hosts line gave it. */
export interface HostKeyPin {
  fingerprint: string;
  /** `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, …; unknown for a bare fingerprint. */
  type?: string;
}

/** OpenSSH's fingerprint of a raw public key blob: `SHA256:` and unpadded base64. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a public key blob starts with (an SSH string: 32-bit length, then the name). */
export function keyTypeOf(key: Buffer): string {
  return key.subarray(4, 4 + key.readUInt32BE(0)).toString('latin1');
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const BLOB = /^AAAA[A-Za-z0-9+/]+=*$/;

/**
 * The pinned host keys, given as known_hosts lines (`host ssh-ed25519 AAAA…`, one per line, as
 * ssh-keyscan prints them) or fingerprints (`SHA256:…`, what `ssh-keygen -lf` prints). Every line pins
 * its key; comments and blank lines are skipped.
 */
export function parseHostKeyPin(raw: string | undefined): HostKeyPin[] {
  const lines = (raw ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  if (!lines.length) {
    throw new ConfigurationError(
      TUNNEL.HOST_KEY_MISSING,
      'Input "ssh-host-key" is required in ssh mode: the bastion\'s host key must be pinned.',
      {
        remedy:
          "Give the bastion's known_hosts lines (ssh-keyscan) or its SHA256 fingerprint (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).",
      },
    );
  }
  return lines.map((line, index) => {
    if (FINGERPRINT.test(line)) return { fingerprint: line };
    const parts = line.split(/\s+/);
    const at = parts.findIndex((part) => BLOB.test(part));
    const blob = at >= 0 ? Buffer.from(parts[at]!, 'base64') : undefined;
    const type = blob && blob.length > 4 ? keyTypeOf(blob) : undefined;
    // The blob names its own type; a line whose type field disagrees is damaged.
    if (!blob || !type || parts[at - 1] !== type) {
      throw new ConfigurationError(
        TUNNEL.HOST_KEY_MISSING,
        `Input "ssh-host-key", line ${index + 1}, is neither a known_hosts line nor a SHA256 fingerprint.`,
        {
          remedy:
            'Expected "host ssh-ed25519 AAAA…" or "SHA256:" followed by 43 base64 characters, one per line.',
        },
      );
    }
    return { fingerprint: fingerprintOf(blob), type };
  });
}

/**
 * The host-key algorithms a client may negotiate so that the server proves a pinned key: an RSA key
 * signs with rsa-sha2-512/256 or ssh-rsa. Undefined when a bare fingerprint leaves the type open.
 */
export function pinnedAlgorithms(pins: HostKeyPin[]): string[] | undefined {
  if (pins.some((pin) => !pin.type)) return undefined;
  const algorithms = pins.flatMap((pin) =>
    pin.type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [pin.type!],
  );
  return [...new Set(algorithms)];
}
