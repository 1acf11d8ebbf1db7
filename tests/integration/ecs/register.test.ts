import { ECSClient, ListTaskDefinitionsCommand, TaskDefinitionStatus } from '@aws-sdk/client-ecs';
import { memoryLogger } from '@slipway/kit';
import { registerTaskDefinition } from '@slipway/ecs';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { testTaskDefinition } from '../../helpers/ecs';

let sandbox: Sandbox;
let ecs: ECSClient;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 3 });
  ecs = new ECSClient({
    endpoint: sandbox.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
    maxAttempts: 6,
    retryMode: 'standard',
  });
});
afterAll(async () => {
  ecs?.destroy();
  await sandbox?.stop();
});

const revisions = async (family: string, status: TaskDefinitionStatus) =>
  (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status }))).taskDefinitionArns ?? [];

test('a registration whose response was lost leaves one ACTIVE revision: the twins the SDK retry made are deregistered', async () => {
  const families = Array.from({ length: 12 }, (_, i) => `twin-${i}`);
  const logger = memoryLogger();
  sandbox.setFaults({ lostResponseRate: 0.4, operations: ['RegisterTaskDefinition'] });
  const since = new Date();
  const arns = await Promise.all(
    families.map((family) =>
      registerTaskDefinition(ecs, testTaskDefinition(family, 'repo/app:v1'), { logger, since }),
    ),
  );
  sandbox.setFaults({});

  for (const [i, family] of families.entries()) {
    expect(await revisions(family, 'ACTIVE')).toEqual([arns[i]]);
  }
  // The faults really happened: some families had twins registered and deregistered.
  const twins = (await Promise.all(families.map((family) => revisions(family, 'INACTIVE')))).flat();
  expect(twins.length).toBeGreaterThan(0);
  expect(logger.lines.filter((line) => line.includes('a twin of revision'))).toHaveLength(twins.length);
});
