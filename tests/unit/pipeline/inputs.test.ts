import { Secrets } from '@slipway/kit';
import { readPreviewCommentRequest, readSelectServicesRequest } from '@slipway/pipeline';

const SERVICES = `
- service: api
  container: app
  repository: team/api
  paths: ['api/**']
`;

const from = (inputs: Record<string, string>) => (name: string) => inputs[name];

describe('readSelectServicesRequest', () => {
  test('reads the services file, the revisions and the path globs', () => {
    expect(
      readSelectServicesRequest(
        from({
          services: SERVICES,
          base: 'abc1234',
          head: 'HEAD~1',
          'migrations-paths': 'db/migrations/**\nalembic/**',
          'prompts-paths': 'prompts/*.yml',
        }),
      ),
    ).toEqual({
      services: [
        { service: 'api', container: 'app', repository: 'team/api', context: '.', paths: ['api/**'] },
      ],
      base: 'abc1234',
      head: 'HEAD~1',
      migrationsPaths: ['db/migrations/**', 'alembic/**'],
      promptsPaths: ['prompts/*.yml'],
    });
  });

  test('without revisions or globs: the event decides the revisions, and no path is watched', () => {
    expect(readSelectServicesRequest(from({ services: SERVICES }))).toMatchObject({
      base: undefined,
      head: undefined,
      migrationsPaths: [],
      promptsPaths: [],
    });
  });

  test.each<[string, Record<string, string>, string, RegExp]>([
    ['no services', { services: '' }, 'SLW-KIT-002', /Input "services" is required/],
    ['a revision that would be an option', { base: '--output=/tmp/x' }, 'SLW-KIT-001', /Input "base"/],
    ['a misspelt service key', { services: SERVICES.replace('paths', 'path') }, 'SLW-PIP-001', /path/],
  ])('%s is refused with a code naming the input', (_name, inputs, code, message) => {
    expect(() => readSelectServicesRequest(from({ services: SERVICES, ...inputs }))).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    );
  });
});

describe('readPreviewCommentRequest', () => {
  const required = { 'github-token': 'ghs_abc123', service: 'web', status: 'ready' };

  test('reads every input, and masks the token before anything is parsed', () => {
    const masked: string[] = [];
    const request = readPreviewCommentRequest(
      from({
        ...required,
        'pull-request': '42',
        url: 'https://pr-42.preview.example.com/',
        image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:sha-abc1234',
        details: 'Seeded from staging.',
      }),
      new Secrets((secret) => masked.push(secret)),
    );
    expect(request).toEqual({
      token: 'ghs_abc123',
      pullRequest: '42',
      service: 'web',
      status: 'ready',
      url: 'https://pr-42.preview.example.com/',
      image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:sha-abc1234',
      details: 'Seeded from staging.',
    });
    expect(masked).toEqual(['ghs_abc123']);
  });

  test.each<[string, Record<string, string>, string, RegExp]>([
    [
      'an unknown status',
      { status: 'done' },
      'SLW-KIT-001',
      /Input "status" is not a valid value: got "done"/,
    ],
    ['a URL that is not http(s)', { url: 'ftp://x.example.com' }, 'SLW-KIT-001', /Input "url"/],
    ['a service name ECS refuses', { service: 'web app' }, 'SLW-KIT-001', /Input "service"/],
    ['no token', { 'github-token': '' }, 'SLW-KIT-002', /Input "github-token" is required/],
  ])('%s is refused with a code naming the input', (_name, inputs, code, message) => {
    expect(() => readPreviewCommentRequest(from({ ...required, ...inputs }), new Secrets())).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    );
  });

  test('a token with a space is refused without being shown', () => {
    expect(() =>
      readPreviewCommentRequest(from({ ...required, 'github-token': 'ghs_secret value' }), new Secrets()),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('ghs_secret') }));
  });
});
