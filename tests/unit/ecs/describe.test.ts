import { ClusterNotFoundException, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigurationError } from '@slipway/kit';
import { ECS, findServices } from '@slipway/ecs';

const ecsMock = mockClient(ECSClient);
const ecs = new ECSClient({ region: 'us-east-1' });
afterEach(() => ecsMock.reset());

const WATCH = { codes: { clusterNotFound: 'X-1', serviceNotFound: 'X-2' }, activeOnly: false };

describe('findServices, the one service lookup', () => {
  beforeEach(() => {
    ecsMock.on(DescribeServicesCommand).callsFake(({ services }: { services: string[] }) => ({
      services: services.flatMap((name) =>
        name === 'ghost' ? [] : [{ serviceName: name, status: name === 'gone' ? 'DRAINING' : 'ACTIVE' }],
      ),
    }));
  });

  test('returns the services in the order named, ten per DescribeServices call', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `svc-${11 - i}`);
    const services = await findServices(ecs, 'c', names);
    expect(services.map((s) => s.serviceName)).toEqual(names);
    expect(ecsMock.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services)).toEqual([
      names.slice(0, 10),
      names.slice(10),
    ]);
  });

  test("for a deploy a draining service is missing, with ecs-deploy's codes, every missing one named", async () => {
    const error = await findServices(ecs, 'c', ['web', 'gone', 'ghost']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      code: ECS.SERVICE_NOT_FOUND,
      message: 'Input "services": "gone", "ghost" not found (or not ACTIVE) in cluster "c".',
    });
  });

  test("for a watcher a draining service is found, and a missing one is reported with the caller's code", async () => {
    const [gone] = await findServices(ecs, 'c', ['gone'], WATCH);
    expect(gone).toMatchObject({ serviceName: 'gone', status: 'DRAINING' });
    await expect(findServices(ecs, 'c', ['web', 'ghost'], WATCH)).rejects.toMatchObject({
      code: 'X-2',
      message: 'Input "services": "ghost" not found in cluster "c".',
    });
  });

  test('an unknown cluster names the cluster input; other errors pass through', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));
    await expect(findServices(ecs, 'nope', ['web'])).rejects.toMatchObject({
      code: ECS.CLUSTER_NOT_FOUND,
      message: 'Input "cluster": cluster "nope" was not found.',
    });
    await expect(findServices(ecs, 'nope', ['web'], WATCH)).rejects.toMatchObject({ code: 'X-1' });
    ecsMock
      .on(DescribeServicesCommand)
      .rejects(Object.assign(new Error('boom'), { name: 'ServerException' }));
    await expect(findServices(ecs, 'c', ['web'])).rejects.toThrow('boom');
  });
});
