import { ed25519KeyPair, readTunnelSettings } from '@slipway/tunnel';

const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;
const from = (inputs: Record<string, string>) => (name: string) => inputs[name];

describe('readTunnelSettings', () => {
  test('nothing given: Session Manager to a bastion found later, ec2-user, 30 s to be ready', () => {
    expect(readTunnelSettings(from({}))).toEqual({
      mode: 'ssm',
      bastion: { instanceId: undefined, tag: undefined },
      ssh: { endpoint: undefined, user: 'ec2-user', privateKey: undefined, hostKeys: undefined },
      readyTimeoutMs: 30_000,
      region: undefined,
    });
  });

  test('ssh mode reads the endpoint (port 22 unless given), the key, the pinned host key and the timeout', () => {
    const key = ed25519KeyPair().private.trim();
    const settings = readTunnelSettings(
      from({
        mode: 'ssh',
        'bastion-tag': 'Role=bastion',
        'ssh-endpoint': 'bastion.internal',
        'ssh-user': 'ubuntu',
        'ssh-private-key': key,
        'ssh-host-key': FINGERPRINT,
        'tunnel-timeout': '90',
        region: 'eu-west-1',
      }),
    );
    expect(settings).toEqual({
      mode: 'ssh',
      bastion: { instanceId: undefined, tag: 'Role=bastion' },
      ssh: {
        endpoint: { host: 'bastion.internal', port: 22 },
        user: 'ubuntu',
        privateKey: key,
        hostKeys: [{ fingerprint: FINGERPRINT }],
      },
      readyTimeoutMs: 90_000,
      region: 'eu-west-1',
    });
    expect(
      readTunnelSettings(from({ mode: 'ssh', 'ssh-endpoint': '10.0.1.5:2222', 'ssh-host-key': FINGERPRINT }))
        .ssh.endpoint,
    ).toEqual({ host: '10.0.1.5', port: 2222 });
  });

  test('ssh mode without a pinned host key is refused', () => {
    expect(() => readTunnelSettings(from({ mode: 'ssh' }))).toThrow(
      expect.objectContaining({
        code: 'SLW-TUN-004',
        message: expect.stringContaining('"ssh-host-key" is required'),
      }),
    );
  });

  test.each([
    ['ssh-endpoint', 'bastion.internal'],
    ['ssh-host-key', FINGERPRINT],
  ])('an SSH-only input (%s) in ssm mode is refused, naming the mode input it needs', (name, value) => {
    expect(() => readTunnelSettings(from({ [name]: value }))).toThrow(
      expect.objectContaining({
        code: 'SLW-KIT-004',
        message: expect.stringContaining(`"${name}" does nothing`),
      }),
    );
    expect(() => readTunnelSettings(from({ [name]: value }), 'tunnel-mode')).toThrow(
      expect.objectContaining({ remedy: expect.stringContaining('"tunnel-mode: ssh"') }),
    );
  });

  test.each<[string, Record<string, string>, RegExp]>([
    ['an unknown mode', { mode: 'vpn' }, /Input "mode"/],
    ['a timeout over an hour', { 'tunnel-timeout': '3601' }, /Input "tunnel-timeout"/],
    ['an instance id that is not one', { 'bastion-instance-id': 'bastion-1' }, /Input "bastion-instance-id"/],
    ['a user name with a space', { 'ssh-user': 'ec2 user' }, /Input "ssh-user"/],
  ])('%s is refused with SLW-KIT-001 naming the input', (_name, inputs, message) => {
    expect(() => readTunnelSettings(from(inputs))).toThrow(
      expect.objectContaining({ code: 'SLW-KIT-001', message: expect.stringMatching(message) }),
    );
  });
});
