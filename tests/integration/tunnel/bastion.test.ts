import {
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { EC2InstanceConnectClient } from '@aws-sdk/client-ec2-instance-connect';
import { ConfigurationError, memoryLogger } from '@slipway/kit';
import { findBastion, pushEphemeralKey } from '@slipway/tunnel';
import { utils } from 'ssh2';
import { MotoServer, startMoto } from '../../helpers/moto';

let moto: MotoServer;
let ec2: EC2Client;
let config: object;

beforeAll(async () => {
  moto = await startMoto();
  config = {
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  };
  ec2 = new EC2Client(config);
}, 60_000);
afterAll(() => moto?.stop());

/** Launches `count` instances tagged Name=<name> in one call (so at the same moment). */
async function launchAll(name: string, count: number): Promise<string[]> {
  const image = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0]!.ImageId;
  const answer = await ec2.send(
    new RunInstancesCommand({
      ImageId: image,
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
    }),
  );
  return answer.Instances!.map((instance) => instance.InstanceId!);
}

const launch = async (name: string) => (await launchAll(name, 1))[0]!;

test('none, one and several running bastions', async () => {
  await expect(findBastion(ec2, { tag: 'Name=bastion' })).rejects.toMatchObject({ code: 'SLW-TUN-001' });
  const first = await launch('bastion');
  await launch('web');
  const found = await findBastion(ec2, { tag: 'Name=bastion' });
  expect(found.instanceId).toBe(first);
  expect(found.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect((await findBastion(ec2, { instanceId: first, tag: 'Name=ignored' })).instanceId).toBe(first);

  // EC2 launch times have one-second resolution: a bastion launched later is the newest.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const second = await launch('bastion');
  const newest = await findBastion(ec2, { tag: 'Name=bastion' });
  expect(newest.instanceId).toBe(second);
  expect(newest.passedOver).toEqual([expect.stringMatching(new RegExp(`^${first} \\(bastion\\) running`))]);
});

test('several running bastions launched at the same moment: an error listing them', async () => {
  const [a, b] = await launchAll('twin-bastion', 2);
  const several = findBastion(ec2, { tag: 'Name=twin-bastion' });
  await expect(several).rejects.toMatchObject({ code: 'SLW-TUN-002' });
  await expect(several).rejects.toThrow(new RegExp(`${a}.*${b}|${b}.*${a}`));
});

test('no running match lists the tagged instances in other states', async () => {
  const stopped = await launch('sleepy-bastion');
  await ec2.send(new StopInstancesCommand({ InstanceIds: [stopped] }));
  const gone = await launch('sleepy-bastion');
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone] }));

  const error = await findBastion(ec2, { tag: 'Name=sleepy-bastion' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigurationError);
  expect(error).toMatchObject({ code: 'SLW-TUN-001' });
  const message = (error as Error).message;
  expect(message).toMatch(new RegExp(`${stopped} \\(sleepy-bastion\\) (stopped|stopping)`));
  expect(message).toMatch(new RegExp(`${gone} \\(sleepy-bastion\\) (terminated|shutting-down)`));

  // By id, too: a stopped bastion is named with its state.
  await expect(findBastion(ec2, { instanceId: stopped })).rejects.toThrow(
    new RegExp(`No running bastion found by instance ${stopped}\\. Not running: ${stopped}`),
  );
  await expect(findBastion(ec2, { tag: 'Name=no-such-bastion' })).rejects.toThrow(
    /No instance in any state matches tag Name=no-such-bastion/,
  );
});

test.each(['not-an-id', 'i-0123456789abcdef0'])(
  'a bastion-instance-id EC2 does not know (%s) is a configuration error naming the input',
  async (instanceId) => {
    const error = await findBastion(ec2, { instanceId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      code: 'SLW-TUN-013',
      message: expect.stringMatching(
        new RegExp(`"bastion-instance-id".*"${instanceId}".*InvalidInstanceID\\.`),
      ),
    });
  },
);

test('an ephemeral ed25519 key is pushed with EC2 Instance Connect and returned for the connection', async () => {
  const id = await launch('connect-target');
  const logger = memoryLogger();
  const privateKey = await pushEphemeralKey(
    { instanceConnect: () => new EC2InstanceConnectClient(config), logger },
    { instanceId: id, address: '10.0.0.1', availabilityZone: 'us-east-1a' },
    'ec2-user',
  );
  const parsed = utils.parseKey(privateKey);
  expect(parsed).not.toBeInstanceOf(Error);
  expect((parsed as { type: string }).type).toBe('ssh-ed25519');
  expect(logger.lines.join('\n')).toMatch(new RegExp(`ephemeral key for ec2-user@${id}`));
  expect(logger.lines.join('\n')).not.toContain('PRIVATE KEY');
});
