import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSMClient, StartSessionCommand, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SlipwayError, virtualClock } from '@slipway/kit';
import { openSsmTunnel, SESSION_ENV, ssmEndpoint } from '@slipway/tunnel';

const ssm = mockClient(SSMClient);
let dir: string;

/**
 * A stand-in plugin that does what the real one does on our side of the contract: reads the session
 * from the named environment variable, records its argv, and listens on the local port it was given.
 */
beforeEach(async () => {
  ssm.reset();
  dir = await mkdtemp(join(tmpdir(), 'slipway-plugin-'));
  await writeFile(
    join(dir, 'session-manager-plugin'),
    `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
fs.writeFileSync(${JSON.stringify(join(dir, 'call.json'))}, JSON.stringify({ args, session: process.env[args[0]] }));
const port = Number(JSON.parse(args[4]).Parameters.localPortNumber[0]);
require('net').createServer((s) => s.end()).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`,
  );
  await chmod(join(dir, 'session-manager-plugin'), 0o755);
});

/** The tunnel every test opens, to instance i-0abc in eu-west-1 via the recording plugin, as overridden. */
const openTunnel = (overrides: Partial<Parameters<typeof openSsmTunnel>[0]>) =>
  openSsmTunnel({
    ssm: new SSMClient({ region: 'eu-west-1' }),
    region: 'eu-west-1',
    instanceId: 'i-0abc',
    remoteHost: 'db',
    remotePort: 5432,
    timeoutMs: 5_000,
    plugin: join(dir, 'session-manager-plugin'),
    ...overrides,
  });

test('StartSession with the port-forwarding document, then the plugin invoked as the AWS CLI does', async () => {
  ssm
    .on(StartSessionCommand)
    .resolves({ SessionId: 'sess-1', TokenValue: 'secret-token', StreamUrl: 'wss://ssm/stream' });
  ssm.on(TerminateSessionCommand).resolves({});
  const started: unknown[] = [];
  const tunnel = await openTunnel({
    remoteHost: 'db.internal',
    onStarted: (s) => started.push(s),
    env: {},
  });

  const request = ssm.commandCalls(StartSessionCommand)[0]!.args[0].input;
  expect(request).toEqual({
    Target: 'i-0abc',
    DocumentName: 'AWS-StartPortForwardingSessionToRemoteHost',
    Parameters: { host: ['db.internal'], portNumber: ['5432'], localPortNumber: [String(tunnel.localPort)] },
  });
  const call = JSON.parse(await readFile(join(dir, 'call.json'), 'utf8'));
  expect(call.args).toEqual([
    SESSION_ENV,
    'eu-west-1',
    'StartSession',
    '',
    JSON.stringify(request),
    'https://ssm.eu-west-1.amazonaws.com',
  ]);
  expect(call.args.join(' ')).not.toContain('secret-token');
  expect(JSON.parse(call.session)).toEqual({
    SessionId: 'sess-1',
    TokenValue: 'secret-token',
    StreamUrl: 'wss://ssm/stream',
  });
  expect(started).toEqual([expect.objectContaining({ sessionId: 'sess-1' })]);

  await tunnel.close();
  expect(ssm.commandCalls(TerminateSessionCommand).map((c) => c.args[0].input)).toEqual([
    { SessionId: 'sess-1' },
  ]);
  const open = await new Promise<boolean>((resolve) => {
    const socket = connect(tunnel.localPort, '127.0.0.1')
      .once('connect', () => (socket.destroy(), resolve(true)))
      .once('error', () => resolve(false));
  });
  expect(open).toBe(false);
});

test('a missing plugin is a clear error with the install remedy, and the session is ended', async () => {
  ssm.on(StartSessionCommand).resolves({ SessionId: 'sess-2' });
  ssm.on(TerminateSessionCommand).resolves({});
  const attempt = openTunnel({ timeoutMs: 2_000, plugin: join(dir, 'no-such-plugin') });
  await expect(attempt).rejects.toMatchObject({ code: 'SLW-TUN-006' });
  await expect(attempt).rejects.toThrow(/session-manager-plugin is not installed/);
  expect(ssm.commandCalls(TerminateSessionCommand)).toHaveLength(1);
});

describe('the endpoint handed to the plugin', () => {
  test.each([
    ['the regional endpoint', 'eu-west-1', {}, 'https://ssm.eu-west-1.amazonaws.com'],
    ['the China partition’s DNS suffix', 'cn-north-1', {}, 'https://ssm.cn-north-1.amazonaws.com.cn'],
    [
      'AWS_ENDPOINT_URL_SSM first',
      'eu-west-1',
      {
        AWS_ENDPOINT_URL_SSM: 'https://vpce-1.ssm.eu-west-1.vpce.amazonaws.com/',
        AWS_ENDPOINT_URL: 'http://x',
      },
      'https://vpce-1.ssm.eu-west-1.vpce.amazonaws.com',
    ],
    [
      'then AWS_ENDPOINT_URL',
      'eu-west-1',
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' },
      'http://127.0.0.1:5000',
    ],
  ])('%s', (_label, region, env, expected) => {
    expect(ssmEndpoint(region, env)).toBe(expected);
  });

  test('is what the plugin is invoked with', async () => {
    ssm.on(StartSessionCommand).resolves({ SessionId: 'sess-cn', TokenValue: 't', StreamUrl: 'wss://s' });
    ssm.on(TerminateSessionCommand).resolves({});
    const tunnel = await openTunnel({
      ssm: new SSMClient({ region: 'cn-north-1' }),
      region: 'cn-north-1',
      env: {},
    });
    await tunnel.close();
    const call = JSON.parse(await readFile(join(dir, 'call.json'), 'utf8'));
    expect(call.args.at(-1)).toBe('https://ssm.cn-north-1.amazonaws.com.cn');
  });
});

test.each([
  ['AccessDeniedException', /ssm:StartSession on the bastion instance and on the document/],
  ['TargetNotConnected', /SSM agent runs.*AmazonSSMManagedInstanceCore/],
])('a StartSession refused with %s is a SlipwayError with a code and a remedy', async (name, remedy) => {
  ssm.on(StartSessionCommand).rejects(Object.assign(new Error(`${name} happened`), { name }));
  const error = await openTunnel({ timeoutMs: 2_000 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SlipwayError);
  expect(error).toMatchObject({
    code: 'SLW-TUN-014',
    message: expect.stringContaining(`on i-0abc: ${name}`),
    remedy: expect.stringMatching(remedy),
  });
  expect(ssm.commandCalls(TerminateSessionCommand)).toHaveLength(0);
});

test('the plugin is reported (pid, session, close) as soon as it is spawned, before its port listens', async () => {
  ssm.on(StartSessionCommand).resolves({ SessionId: 'sess-slow' });
  ssm.on(TerminateSessionCommand).resolves({});
  await writeFile(join(dir, 'silent-plugin'), '#!/bin/sh\nexec sleep 30\n');
  await chmod(join(dir, 'silent-plugin'), 0o755);
  const started: { pid: number; sessionId: string; close: () => Promise<void> }[] = [];
  const attempt = openTunnel({
    timeoutMs: 10_000,
    plugin: join(dir, 'silent-plugin'),
    onStarted: (s) => started.push(s),
  });
  for (let i = 0; i < 100 && !started.length; i++) await new Promise((r) => setTimeout(r, 20));
  expect(started).toEqual([expect.objectContaining({ sessionId: 'sess-slow', pid: expect.any(Number) })]);

  // What a signal's teardown does meanwhile: the plugin goes, the session ends, the wait gives up.
  await started[0]!.close();
  await expect(attempt).rejects.toMatchObject({ code: 'SLW-TUN-007' });
  expect(() => process.kill(started[0]!.pid, 0)).toThrow();
  expect(ssm.commandCalls(TerminateSessionCommand)).toHaveLength(1);
});

test('a plugin whose port never listens is given up on at the timeout, on the injected clock', async () => {
  ssm.on(StartSessionCommand).resolves({ SessionId: 'sess-deaf' });
  ssm.on(TerminateSessionCommand).resolves({});
  await writeFile(join(dir, 'deaf-plugin'), '#!/bin/sh\nexec sleep 30\n');
  await chmod(join(dir, 'deaf-plugin'), 0o755);
  const clock = virtualClock();
  const started = Date.now();
  const error = await openTunnel({ timeoutMs: 600_000, plugin: join(dir, 'deaf-plugin'), clock }).catch(
    (e: unknown) => e,
  );
  expect(error).toMatchObject({
    code: 'SLW-TUN-007',
    message: expect.stringMatching(/nothing listened on 127\.0\.0\.1:\d+ within 600000 ms/),
  });
  // Ten minutes of virtual waiting, quick at first, then at most 250 ms between looks.
  expect(clock.now()).toBe(600_000);
  expect(clock.slept.slice(0, 5)).toEqual([25, 50, 100, 200, 250]);
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(ssm.commandCalls(TerminateSessionCommand)).toHaveLength(1);
});
