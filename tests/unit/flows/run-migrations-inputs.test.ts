import { applicationName, readMigrationRequest } from '@slipway/flows';

const source =
  (inputs: Record<string, string>) =>
  (name: string): string =>
    inputs[name] ?? '';

test('bastion-tag has no default, so an SSH endpoint with its own key can stand for the bastion', () => {
  const request = readMigrationRequest(source({ command: 'true', region: 'eu-west-1' }), '/w', {});
  expect(request.bastion).toEqual({ instanceId: undefined, tag: undefined });
});

test('the run that migrates is read from GITHUB_REPOSITORY and GITHUB_RUN_ID', () => {
  const request = readMigrationRequest(source({ command: 'true', region: 'eu-west-1' }), '/w', {
    GITHUB_REPOSITORY: 'octo/deals',
    GITHUB_RUN_ID: '987',
  });
  expect(request.run).toEqual({ repository: 'octo/deals', runId: '987' });
});

describe('the application name a lock holder is known by', () => {
  test('names the repository and the run', () => {
    expect(applicationName('migrate', { repository: 'octo/deals', runId: '987' })).toBe(
      'slipway-migrate octo/deals run 987',
    );
  });

  test('leaves out what the environment does not say', () => {
    expect(applicationName('migrate', {})).toBe('slipway-migrate');
    expect(applicationName('init', { runId: '5' })).toBe('slipway-init run 5');
  });

  test('fits Postgres’s 63 bytes by cutting the repository, never the run id', () => {
    const name = applicationName('migrate', { repository: `octo/${'x'.repeat(80)}`, runId: '12345678901' });
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^slipway-migrate x+ run 12345678901$/);
  });
});
