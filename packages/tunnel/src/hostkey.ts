import { createHash } from 'node:crypto';
import { ConfigurationError } from '@slipway/kit';
import { TUNNEL } from './codes';

/** OpenSSH's fingerprint of a raw public key blob: `SHA256:` and unpadded base64. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The pinned host key, given as a known_hosts line (`host ssh-ed25519 AAAA…`) or as a fingerprint
 * (`SHA256:…`, what `ssh-keygen -lf` prints). Either way we compare fingerprints.
 */
export function parseHostKeyPin(raw: string | undefined): string {
  const text = raw?.trim();
  if (!text) {
    throw new ConfigurationError(
      TUNNEL.HOST_KEY_MISSING,
      'Input "ssh-host-key" is required in ssh mode: the bastion\'s host key must be pinned.',
      {
        remedy:
          "Give the bastion's known_hosts line (ssh-keyscan) or its SHA256 fingerprint (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).",
      },
    );
  }
  if (/^SHA256:[A-Za-z0-9+/]{43}$/.test(text)) return text;
  const blob = text.split(/\s+/).find((part) => /^AAAA[A-Za-z0-9+/]+=*$/.test(part));
  if (!blob) {
    throw new ConfigurationError(
      TUNNEL.HOST_KEY_MISSING,
      'Input "ssh-host-key" is neither a known_hosts line nor a SHA256 fingerprint.',
      {
        remedy: 'Expected "host ssh-ed25519 AAAA…" or "SHA256:" followed by 43 base64 characters.',
      },
    );
  }
  return fingerprintOf(Buffer.from(blob, 'base64'));
}
