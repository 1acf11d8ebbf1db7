/**
 * What pre-flight asks of AWS, answered by the sandbox (ECS registration, ECR, CloudWatch Logs) and moto
 * (Secrets Manager, SSM, EC2), as AWS answers it; where an emulator differs, the test says so. Then the
 * checks themselves, in-process, against both and a real registry (docker-registry) for images outside ECR.
 */
import { createHash } from 'node:crypto';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  ImageNotFoundException,
  ListImagesCommand,
  PutImageCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { ClientException, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { IAMClient, NoSuchEntityException, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { preflight, type PreflightClients } from '@slipway/ecs';
import { startSandbox, type Sandbox } from '@slipway/sandbox';
import { startMoto, type MotoServer } from '../../helpers/moto';
import { startRegistry, type LocalRegistry } from '../../helpers/registry';

const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const OCI = 'application/vnd.oci.image.manifest.v1+json';

let sandbox: Sandbox;
let moto: MotoServer;
let registry: LocalRegistry;
const at = (endpoint: string) => ({ region, credentials, endpoint, maxAttempts: 1 });

beforeAll(async () => {
  [sandbox, moto, registry] = await Promise.all([startSandbox({ speed: 100 }), startMoto(), startRegistry()]);
}, 60_000);
afterAll(() => Promise.all([sandbox?.stop(), moto?.stop(), registry?.stop()]));

const fargate = (family: string, cpu: string, memory: string) =>
  new RegisterTaskDefinitionCommand({
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu,
    memory,
    containerDefinitions: [{ name: 'app', image: 'nginx' }],
  });

/** A small OCI image manifest (its config is the empty JSON object) and its digest. */
function manifest(label: string) {
  const config = `{"label":"${label}"}`;
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${createHash('sha256').update(config).digest('hex')}`,
      size: config.length,
    },
    layers: [],
  });
  return { config, body, digest: `sha256:${createHash('sha256').update(body).digest('hex')}` };
}

describe('the sandbox answers as AWS does', () => {
  test('RegisterTaskDefinition refuses a cpu/memory pair Fargate does not offer, as ECS does', async () => {
    const ecs = new ECSClient(at(sandbox.url));
    await expect(ecs.send(fargate('bad-size', '256', '4096'))).rejects.toThrow(
      new ClientException({ message: 'No Fargate configuration exists for given values.', $metadata: {} }),
    );
    await expect(ecs.send(fargate('bad-cpu', '300', '1024'))).rejects.toBeInstanceOf(ClientException);
    const ok = await ecs.send(fargate('good-size', '1 vCPU', '3 GB'));
    expect(ok.taskDefinition).toMatchObject({ cpu: '1 vCPU', memory: '3 GB' });
  });

  test('ECR: ListImages, BatchGetImage failures, DescribeImages and RepositoryNotFound', async () => {
    const ecr = new ECRClient(at(sandbox.url));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'pf/list' }));
    const [tagged, untagged] = [manifest('tagged'), manifest('untagged')];
    await ecr.send(
      new PutImageCommand({ repositoryName: 'pf/list', imageTag: 'v1', imageManifest: tagged.body }),
    );
    await ecr.send(
      new PutImageCommand({ repositoryName: 'pf/list', imageTag: 'v1b', imageManifest: tagged.body }),
    );
    await ecr.send(new PutImageCommand({ repositoryName: 'pf/list', imageManifest: untagged.body }));
    const list = async (tagStatus?: 'TAGGED' | 'UNTAGGED') =>
      (
        await ecr.send(
          new ListImagesCommand({ repositoryName: 'pf/list', filter: tagStatus && { tagStatus } }),
        )
      ).imageIds;
    expect(await list()).toEqual(
      expect.arrayContaining([
        { imageDigest: tagged.digest, imageTag: 'v1' },
        { imageDigest: tagged.digest, imageTag: 'v1b' },
        { imageDigest: untagged.digest },
      ]),
    );
    expect(await list('UNTAGGED')).toEqual([{ imageDigest: untagged.digest }]);
    expect(await list('TAGGED')).toHaveLength(2);

    const batch = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'pf/list',
        imageIds: [{ imageTag: 'v1' }, { imageTag: 'v9' }],
      }),
    );
    expect(batch.images?.map((i) => i.imageId)).toEqual([{ imageDigest: tagged.digest, imageTag: 'v1' }]);
    expect(batch.failures).toEqual([
      {
        imageId: { imageTag: 'v9' },
        failureCode: 'ImageNotFound',
        failureReason: 'Requested image not found',
      },
    ]);
    await expect(
      ecr.send(new DescribeImagesCommand({ repositoryName: 'pf/list', imageIds: [{ imageTag: 'v9' }] })),
    ).rejects.toBeInstanceOf(ImageNotFoundException);
    await expect(
      ecr.send(new BatchGetImageCommand({ repositoryName: 'pf/none', imageIds: [{ imageTag: 'v1' }] })),
    ).rejects.toBeInstanceOf(RepositoryNotFoundException);
    await expect(ecr.send(new ListImagesCommand({ repositoryName: 'pf/none' }))).rejects.toBeInstanceOf(
      RepositoryNotFoundException,
    );
  });

  test("IAM's SimulatePrincipalPolicy over a role's identity policy: allowed, implicit and explicit deny", async () => {
    const role = 'arn:aws:iam::123456789012:role/sim';
    const secret = (name: string) => `arn:aws:secretsmanager:${region}:123456789012:secret:${name}`;
    sandbox.setRolePolicy(role, [
      { effect: 'Allow', actions: ['secretsmanager:Get*'], resources: [secret('app/*')] },
      { effect: 'Deny', actions: ['*'], resources: [secret('app/admin-??????')] },
    ]);
    const iam = new IAMClient(at(sandbox.url));
    const answer = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: role,
        ActionNames: ['SecretsManager:GetSecretValue', 'ssm:GetParameters'],
        ResourceArns: [secret('app/db-AbCdEf'), secret('app/admin-AbCdEf')],
      }),
    );
    expect(
      answer.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision]),
    ).toEqual([
      ['SecretsManager:GetSecretValue', secret('app/db-AbCdEf'), 'allowed'],
      ['SecretsManager:GetSecretValue', secret('app/admin-AbCdEf'), 'explicitDeny'],
      ['ssm:GetParameters', secret('app/db-AbCdEf'), 'implicitDeny'],
      ['ssm:GetParameters', secret('app/admin-AbCdEf'), 'explicitDeny'],
    ]);
    await expect(
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: 'arn:aws:iam::123456789012:role/none',
          ActionNames: ['ssm:GetParameters'],
        }),
      ),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
  });

  test('CloudWatch Logs: DescribeLogGroups by prefix', async () => {
    const logs = new CloudWatchLogsClient(at(sandbox.url));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/pf-logs' }));
    const named = async (prefix: string) =>
      (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix }))).logGroups?.map(
        (g) => g.logGroupName,
      );
    expect(await named('/ecs/pf-lo')).toEqual(['/ecs/pf-logs']);
    expect(await named('/ecs/pf-none')).toEqual([]);
  });
});

describe('moto answers as AWS does, for what pre-flight calls', () => {
  test('DescribeSecret of a missing secret: ResourceNotFoundException', async () => {
    const secrets = new SecretsManagerClient(at(moto.url));
    await expect(
      secrets.send(
        new DescribeSecretCommand({
          SecretId: `arn:aws:secretsmanager:${region}:123456789012:secret:nope-AbCdEf`,
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('GetParameters lists the names it does not have as InvalidParameters', async () => {
    const ssm = new SSMClient(at(moto.url));
    await ssm.send(new PutParameterCommand({ Name: '/pf/there', Value: 'x', Type: 'String' }));
    const got = await ssm.send(new GetParametersCommand({ Names: ['/pf/there', '/pf/missing'] }));
    expect(got.Parameters?.map((p) => p.Name)).toEqual(['/pf/there']);
    expect(got.InvalidParameters).toEqual(['/pf/missing']);
  });

  test('DescribeSubnets and DescribeSecurityGroups filtered by id leave a missing id out', async () => {
    const ec2 = new EC2Client(at(moto.url));
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16' }))).Vpc!.VpcId!;
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.7.1.0/24' }))).Subnet!
      .SubnetId!;
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [{ Name: 'subnet-id', Values: [subnet, 'subnet-0000000000000dead'] }],
      }),
    );
    expect(subnets.Subnets?.map((s) => s.SubnetId)).toEqual([subnet]);
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: 'group-id', Values: ['sg-0000000000000dead'] }],
      }),
    );
    expect(groups.SecurityGroups).toEqual([]);
  });

  test('differs from AWS: moto registers a Fargate size ECS refuses (the sandbox refuses it)', async () => {
    const ecs = new ECSClient(at(moto.url));
    const answer = await ecs.send(fargate('moto-bad-size', '256', '4096'));
    expect(answer.taskDefinition?.memory).toBe('4096');
  });
});

describe('pre-flight against the emulators and a registry', () => {
  function clients(overrides: Partial<PreflightClients> = {}): PreflightClients {
    return {
      region,
      ecr: async () => new ECRClient(at(sandbox.url)),
      logs: async () => new CloudWatchLogsClient(at(sandbox.url)),
      secretsManager: async () => new SecretsManagerClient(at(moto.url)),
      ssm: async () => new SSMClient(at(moto.url)),
      ec2: async () => new EC2Client(at(moto.url)),
      iam: async () => new IAMClient(at(moto.url)),
      ...overrides,
    };
  }
  const target = (images: string[], secrets: string[] = []) => ({
    service: { serviceName: 'web', launchType: 'EC2' as const },
    definition: {
      family: 'web',
      containerDefinitions: images.map((image, i) => ({
        name: `c${i}`,
        image,
        secrets: secrets.map((valueFrom, j) => ({ name: `S${j}`, valueFrom })),
      })),
    },
  });

  test('an image in a registry outside ECR: its manifest found (with its digest) or not', async () => {
    const image = manifest('registry');
    const base = `http://${registry.host}/v2/pf/app`;
    const upload = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    const location = new URL(upload.headers.get('location')!, base);
    location.searchParams.set('digest', JSON.parse(image.body).config.digest);
    expect((await fetch(location, { method: 'PUT', body: image.config })).status).toBe(201);
    const put = await fetch(`${base}/manifests/v1`, {
      method: 'PUT',
      headers: { 'content-type': OCI },
      body: image.body,
    });
    expect(put.status).toBe(201);

    const checks = await preflight(
      [target([`${registry.host}/pf/app:v1`, `${registry.host}/pf/app:v2`])],
      clients(),
    );
    expect(checks.map((c) => [c.resource, c.status, c.digest, c.code])).toEqual([
      [`${registry.host}/pf/app:v1`, 'passed', image.digest, undefined],
      [`${registry.host}/pf/app:v2`, 'failed', undefined, 'SLW-ECS-021'],
    ]);
  });

  test('a secret is looked for in the region its ARN names: the same secret elsewhere is missing', async () => {
    const created = await new SecretsManagerClient(at(moto.url)).send(
      new CreateSecretCommand({ Name: 'pf-regional', SecretString: 'x' }),
    );
    const elsewhere = created.ARN!.replace(`:${region}:`, ':eu-west-1:');
    const checks = await preflight(
      [target([`${registry.host}/pf/app:v1`], [created.ARN!, `${elsewhere}:password::`])],
      clients({
        secretsManager: async (where) => new SecretsManagerClient({ ...at(moto.url), region: where }),
      }),
    );
    expect(checks.filter((c) => c.kind === 'secret').map((c) => [c.status, c.detail, c.code])).toEqual([
      ['passed', `secret exists in ${region}`, undefined],
      ['failed', 'no such secret in eu-west-1', 'SLW-ECS-022'],
    ]);
  });

  test("the execution role's access, by the simulator: a parameter named without its ARN is in the role's account", async () => {
    const role = 'arn:aws:iam::123456789012:role/reader';
    sandbox.setRolePolicy(role, [
      {
        effect: 'Allow',
        actions: ['ssm:GetParameters'],
        resources: [`arn:aws:ssm:${region}:123456789012:parameter/pf/*`],
      },
    ]);
    const base = target(
      [`${registry.host}/pf/app:v1`],
      ['/pf/there', `arn:aws:secretsmanager:${region}:123456789012:secret:x-AbCdEf`],
    );
    const checks = await preflight(
      [{ ...base, definition: { ...base.definition, executionRoleArn: role } }],
      clients({ iam: async () => new IAMClient(at(sandbox.url)) }),
    );
    expect(
      checks.filter((c) => c.kind === 'secret-access').map((c) => [c.resource, c.status, c.detail]),
    ).toEqual([
      ['/pf/there', 'passed', 'reader may ssm:GetParameters'],
      [
        `arn:aws:secretsmanager:${region}:123456789012:secret:x-AbCdEf`,
        'failed',
        'reader may not secretsmanager:GetSecretValue (implicitDeny)',
      ],
    ]);
  });

  test('a check the endpoint cannot answer is unchecked, not failed', async () => {
    await new SSMClient(at(moto.url)).send(
      new PutParameterCommand({ Name: '/pf/unchecked', Value: 'x', Type: 'String' }),
    );
    // The sandbox serves no SSM: its answer (UnknownOperationException) is no verdict on the parameter.
    const checks = await preflight(
      [target([`${registry.host}/pf/app:v1`], ['/pf/unchecked'])],
      clients({ ssm: async () => new SSMClient(at(sandbox.url)) }),
    );
    const secretCheck = checks.find((c) => c.kind === 'secret')!;
    expect(secretCheck).toMatchObject({ status: 'unchecked' });
    expect(secretCheck.detail).toMatch(
      /^ssm:GetParameters failed \(HTTP 400\): UnknownOperationException — /,
    );
    expect(checks.find((c) => c.kind === 'secret-access')).toMatchObject({
      status: 'failed',
      code: 'SLW-ECS-023',
      detail: expect.stringContaining('no executionRoleArn'),
    });
  });
});
