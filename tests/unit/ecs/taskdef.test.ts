import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  diffTaskDefinitions,
  parseTaskDefinitionRef,
  toRegisterInput,
  familyOf,
  loadTaskDefinitionFile,
  render,
} from '@slipway/ecs/src/taskdef';
import { ConfigurationError } from '@slipway/kit';
import described from '../../fixtures/fargate-task-definition.json';

const live = () => toRegisterInput(structuredClone(described.taskDefinition), described.tags);
const none = { images: [], env: [], secrets: [] };

describe('toRegisterInput', () => {
  test('drops exactly the describe-only fields and keeps every other field and the tags', () => {
    const { input, dropped } = live();
    expect(dropped.sort()).toEqual(
      [
        'compatibilities',
        'registeredAt',
        'registeredBy',
        'requiresAttributes',
        'revision',
        'status',
        'taskDefinitionArn',
      ].sort(),
    );
    const {
      taskDefinitionArn,
      revision,
      status,
      compatibilities,
      requiresAttributes,
      registeredAt,
      registeredBy,
      ...rest
    } = described.taskDefinition;
    void [
      taskDefinitionArn,
      revision,
      status,
      compatibilities,
      requiresAttributes,
      registeredAt,
      registeredBy,
    ];
    expect(input).toEqual({ ...rest, tags: described.tags });
  });

  test('drops unknown keys nested in container definitions and reports their paths', () => {
    const definition = structuredClone(described.taskDefinition) as Record<string, unknown>;
    (definition.containerDefinitions as Record<string, unknown>[])[0]!.imagee = 'typo';
    const { input, dropped } = toRegisterInput(definition);
    expect(dropped).toContain('containerDefinitions[0].imagee');
    expect(input.containerDefinitions?.[0]).not.toHaveProperty('imagee');
    expect(input).not.toHaveProperty('tags');
  });
});

describe('render', () => {
  test('swaps only the named container image', () => {
    const before = live().input;
    const after = render(before, { ...none, images: [{ key: 'api', value: 'repo/api@sha256:abc' }] }, 'here');
    expect(diffTaskDefinitions(before, after)).toEqual(['containerDefinitions[api].image']);
    expect(after.containerDefinitions?.[2]?.image).toBe(before.containerDefinitions?.[2]?.image);
    expect(before.containerDefinitions?.[0]?.image).toContain('sha-1111111');
  });

  test('swaps several containers at once', () => {
    const after = render(
      live().input,
      {
        ...none,
        images: [
          { key: 'api', value: 'a:2' },
          { key: 'migrate', value: 'a:2' },
        ],
      },
      'here',
    );
    expect(after.containerDefinitions?.map((c) => c.image)).toEqual([
      'a:2',
      'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0',
      'a:2',
    ]);
  });

  test('an unknown container names the input, the container and the ones that exist', () => {
    const attempt = () =>
      render(live().input, { ...none, images: [{ key: 'web', value: 'x' }] }, 'service "api"');
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/Input "images" names container "web".*\(containers: api, log-router, migrate\)/);
  });

  test('env and secrets replace in place or append, on the imaged container or a prefixed one', () => {
    const after = render(
      live().input,
      {
        images: [{ key: 'api', value: 'a:2' }],
        env: [
          { key: 'APP_ENV', value: 'production' },
          { key: 'FEATURE_X', value: 'on' },
          { key: 'log-router:FLB_LOG_LEVEL', value: 'debug' },
        ],
        secrets: [{ key: 'POSTGRES_PASSWORD', value: 'arn:aws:ssm:us-east-1:123456789012:parameter/new' }],
      },
      'here',
    );
    const [api, router] = after.containerDefinitions!;
    expect(api!.environment).toEqual([
      { name: 'APP_ENV', value: 'production' },
      { name: 'USE_PARAMETER_STORE', value: 'true' },
      { name: 'FEATURE_X', value: 'on' },
    ]);
    expect(api!.secrets?.[0]).toEqual({
      name: 'POSTGRES_PASSWORD',
      valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/new',
    });
    expect(router!.environment).toEqual([{ name: 'FLB_LOG_LEVEL', value: 'debug' }]);
  });

  test('an unprefixed env var on a multi-container task without images is refused', () => {
    let error: ConfigurationError | undefined;
    try {
      render(live().input, { ...none, env: [{ key: 'A', value: '1' }] }, 'here');
    } catch (thrown) {
      error = thrown as ConfigurationError;
    }
    expect(error?.code).toBe('SLW-ECS-009');
    expect(error?.describe()).toMatch(/several containers.*Prefix the container: "api:A=…"/s);
  });
});

describe('diffTaskDefinitions', () => {
  test('ignores empty lists and values that ECS fills in', () => {
    const a = live().input;
    const b = structuredClone(a);
    for (const container of b.containerDefinitions!) {
      if (!container.mountPoints?.length) delete container.mountPoints;
      delete container.volumesFrom;
    }
    delete b.placementConstraints;
    expect(diffTaskDefinitions(a, b)).toEqual([]);
  });

  test('names changed fields by container name, including new and removed containers', () => {
    const a = live().input;
    const b = structuredClone(a);
    b.cpu = '2048';
    b.containerDefinitions = b.containerDefinitions!.filter((c) => c.name !== 'migrate');
    b.containerDefinitions.push({ name: 'worker', image: 'w:1' });
    expect(diffTaskDefinitions(a, b).sort()).toEqual([
      'containerDefinitions[migrate]',
      'containerDefinitions[worker]',
      'cpu',
    ]);
  });
});

describe('task definition references', () => {
  test.each(['arn:aws:ecs:us-east-1:123456789012:task-definition/deals-api:41', 'deals-api:41', 'deals-api'])(
    'accepts %s',
    (ref) => expect(parseTaskDefinitionRef(ref)).toBe(ref),
  );

  test.each([
    'arn:aws:ecs:us-east-1:12345:task-definition/x:1',
    'deals api:1',
    'deals-api:latest',
    'arn:aws:ecs:us-east-1:123456789012:service/x',
  ])('rejects %s with SLW-ECS-001', (ref) => {
    expect(() => parseTaskDefinitionRef(ref)).toThrow(expect.objectContaining({ code: 'SLW-ECS-001' }));
  });

  test('familyOf reads ARNs and family:revision', () => {
    expect(familyOf('arn:aws:ecs:us-east-1:123456789012:task-definition/deals-api:41')).toBe('deals-api');
    expect(familyOf('deals-api:3')).toBe('deals-api');
  });
});

describe('loadTaskDefinitionFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-td-'));
  });

  test('reads describe-task-definition JSON output and YAML alike', async () => {
    const json = join(dir, 'td.json');
    const yaml = join(dir, 'td.yaml');
    await writeFile(json, JSON.stringify(described));
    await writeFile(yaml, stringify(described.taskDefinition));
    const fromJson = await loadTaskDefinitionFile(json);
    const fromYaml = await loadTaskDefinitionFile(yaml);
    expect(fromJson.input.tags).toEqual(described.tags);
    expect(diffTaskDefinitions(fromJson.input, { ...fromYaml.input, tags: described.tags })).toEqual([]);
  });

  test.each([
    ['missing.json', null, 'SLW-ECS-003', /cannot read/],
    ['bad.json', '{"family": ', 'SLW-ECS-003', /not valid JSON/],
    ['bad.yaml', 'family: [unclosed', 'SLW-ECS-003', /not valid YAML/],
    ['empty.yaml', 'just text', 'SLW-ECS-004', /no "family" and "containerDefinitions"/],
    [
      'noname.json',
      '{"family":"f","containerDefinitions":[{"image":"x"}]}',
      'SLW-ECS-004',
      /containerDefinitions\[0\].*no "name"/,
    ],
  ])('%s → %s', async (file, content, code, message) => {
    const path = join(dir, file);
    if (content !== null) await writeFile(path, content);
    await expect(loadTaskDefinitionFile(path)).rejects.toThrow(message);
    await expect(loadTaskDefinitionFile(path)).rejects.toMatchObject({ code });
  });
});
