import { readSyncTunnel } from '@slipway/flows';

const from = (inputs: Record<string, string>) => (name: string) => inputs[name];

describe('readSyncTunnel (sync-prompts: which databases are reached through the bastion)', () => {
  test('no tunnel by default: both databases are reached directly', () => {
    expect(readSyncTunnel(from({}))).toEqual({ sides: [] });
  });

  test.each<[string, string[]]>([
    ['source', ['source']],
    ['target', ['target']],
    ['both', ['source', 'target']],
  ])(
    'tunnel: %s tunnels %j, with the bastion read from tunnel-mode and the shared inputs',
    (tunnel, sides) => {
      const read = readSyncTunnel(
        from({ tunnel, 'bastion-instance-id': 'i-0123456789abcdef0', 'tunnel-timeout': '45' }),
      );
      expect(read.sides).toEqual(sides);
      expect(read.settings).toMatchObject({
        mode: 'ssm',
        bastion: { instanceId: 'i-0123456789abcdef0' },
        readyTimeoutMs: 45_000,
      });
    },
  );

  test('the bastion mode is "tunnel-mode", never the sync\'s own "mode" (overwrite or upsert)', () => {
    const read = readSyncTunnel(
      from({
        tunnel: 'target',
        mode: 'overwrite',
        'tunnel-mode': 'ssh',
        'ssh-host-key': `SHA256:${'B'.repeat(43)}`,
      }),
    );
    expect(read.settings).toMatchObject({
      mode: 'ssh',
      ssh: { hostKeys: [{ fingerprint: `SHA256:${'B'.repeat(43)}` }] },
    });
    expect(() => readSyncTunnel(from({ tunnel: 'target', 'tunnel-mode': 'overwrite' }))).toThrow(
      expect.objectContaining({
        code: 'SLW-KIT-001',
        message: expect.stringContaining('Input "tunnel-mode"'),
      }),
    );
  });

  test.each(['tunnel-mode', 'bastion-instance-id', 'ssh-user', 'tunnel-timeout'])(
    'a bastion input (%s) without a tunnel is refused: it would do nothing',
    (name) => {
      const value = {
        'tunnel-mode': 'ssh',
        'bastion-instance-id': 'i-0123456789abcdef0',
        'ssh-user': 'ubuntu',
        'tunnel-timeout': '10',
      }[name]!;
      expect(() => readSyncTunnel(from({ [name]: value }))).toThrow(
        expect.objectContaining({
          code: 'SLW-KIT-004',
          message: expect.stringContaining(`Input "${name}" does nothing`),
        }),
      );
    },
  );

  test('region is shared with the databases, so it is allowed without a tunnel', () => {
    expect(readSyncTunnel(from({ region: 'eu-west-1' }))).toEqual({ sides: [] });
  });

  test('an unknown side is refused', () => {
    expect(() => readSyncTunnel(from({ tunnel: 'middle' }))).toThrow(
      expect.objectContaining({ code: 'SLW-KIT-001', message: expect.stringContaining('Input "tunnel"') }),
    );
  });
});
