import { appendFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { dockerLogin, dockerLogout } from '@slipway/ecr';
import { memoryLogger, Secrets } from '@slipway/kit';

const ecr = mockClient(ECRClient);
let dir: string;
let path: string | undefined;

/** A stand-in `docker` on PATH that records its arguments and stdin, so we see what the real one would. */
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-docker-'));
  await writeFile(
    join(dir, 'docker'),
    `#!/bin/sh\necho "$@" >> "${dir}/args"\necho "docker $1" >> "${dir}/events"\ncat >> "${dir}/stdin"\necho "Login Succeeded"\n`,
  );
  await chmod(join(dir, 'docker'), 0o755);
  path = process.env.PATH;
  process.env.PATH = `${dir}:${path}`;
  ecr.reset();
});
afterEach(() => {
  process.env.PATH = path;
});

test('the password is masked first and reaches docker on stdin only, for another account’s registry too', async () => {
  const password = 'eyJwYXlsb2FkIjoiczNjcjN0In0=';
  ecr.on(GetAuthorizationTokenCommand, { registryIds: ['210987654321'] }).resolves({
    authorizationData: [
      {
        authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
        proxyEndpoint: 'https://210987654321.dkr.ecr.us-east-1.amazonaws.com',
      },
    ],
  });
  const masked: string[] = [];
  // Masks and docker runs share one log, so its order is the order things happened in.
  const secrets = new Secrets((secret) => {
    masked.push(secret);
    appendFileSync(join(dir, 'events'), `mask ${secret === password ? 'password' : 'other'}\n`);
  });
  const logger = memoryLogger();
  const endpoint = await dockerLogin(new ECRClient({ region: 'us-east-1' }), '210987654321', secrets, logger);

  expect(endpoint).toBe('210987654321.dkr.ecr.us-east-1.amazonaws.com');
  expect(masked).toContain(password);
  const events = (await readFile(join(dir, 'events'), 'utf8')).trim().split('\n');
  expect(events.indexOf('mask password')).toBeGreaterThanOrEqual(0);
  expect(events.indexOf('mask password')).toBeLessThan(events.indexOf('docker login'));
  expect(events.filter((e) => e.startsWith('docker'))).toEqual(['docker login']);
  const args = await readFile(join(dir, 'args'), 'utf8');
  expect(args.trim()).toBe(
    'login --username AWS --password-stdin 210987654321.dkr.ecr.us-east-1.amazonaws.com',
  );
  expect(args).not.toContain(password);
  expect(await readFile(join(dir, 'stdin'), 'utf8')).toBe(password);
  expect(logger.lines.join('\n')).not.toContain(password);

  await dockerLogout([endpoint], logger);
  expect((await readFile(join(dir, 'args'), 'utf8')).trim().split('\n').pop()).toBe(`logout ${endpoint}`);
});
