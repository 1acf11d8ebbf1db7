import { ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { runAction } from '../../helpers/action';
import { createStableService, ecsClient, pushImages, REGISTRY } from '../../helpers/ecs';

const CLUSTER = 'faults';
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 100, clusters: [CLUSTER], seed: 7 });
});
afterAll(() => sandbox?.stop());

test('with 20% throttling, 5% server errors and 5% lost responses, 50 deploys give 50 correct verdicts and no duplicate revisions', async () => {
  const ecs = ecsClient(sandbox.url);
  const deploys = Array.from({ length: 50 }, (_, i) => ({
    service: `svc-${i}`,
    // Every fifth deploy ships a crashing image, which the circuit breaker must catch.
    image: i % 5 === 4 ? `${REGISTRY}/app:crash-${i}` : `${REGISTRY}/app:build-${i}`,
    expected: i % 5 === 4 ? 'ROLLED_BACK' : 'SUCCEEDED',
  }));
  await Promise.all(
    deploys.map((d) => createStableService(ecs, d.service, { cluster: CLUSTER, desiredCount: 1 })),
  );
  await pushImages(
    sandbox.url,
    deploys.map((d) => d.image),
  );

  // A lost response means ECS made the change but the SDK saw a 500 and retried it.
  sandbox.setFaults({ throttleRate: 0.2, serverErrorRate: 0.05, lostResponseRate: 0.05 });
  sandbox.resetCalls();
  const verdicts: Record<string, string | undefined> = {};
  const registered: Record<string, string | undefined> = {};
  const queue = [...deploys];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let d = queue.shift(); d; d = queue.shift()) {
        const run = await runAction(
          'ecs-deploy',
          { cluster: CLUSTER, services: d.service, images: `app=${d.image}`, timeout: '120' },
          { endpoint: sandbox.url },
        );
        verdicts[d.service] = run.outputs.status ?? `exit ${run.exitCode}: ${run.errors[0]}`;
        registered[d.service] = run.outputs['task-definition-arn'];
      }
    }),
  );
  const faulted = sandbox.calls();
  sandbox.setFaults({});

  expect(verdicts).toEqual(Object.fromEntries(deploys.map((d) => [d.service, d.expected])));
  // The faults really happened: 50 registrations needed retried requests (about 67 expected).
  expect(faulted.RegisterTaskDefinition).toBeGreaterThan(50);
  // Each family keeps the revision it started with and the one deployed; twins left by retried
  // registrations are deregistered.
  let twins = 0;
  for (const d of deploys) {
    const revisions = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: d.service }));
    expect(revisions.taskDefinitionArns).toEqual([
      expect.stringMatching(new RegExp(`/${d.service}:1$`)),
      registered[d.service],
    ]);
    const inactive = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: d.service, status: 'INACTIVE' }),
    );
    twins += inactive.taskDefinitionArns?.length ?? 0;
  }
  // Some registrations really lost their response and left a twin behind.
  expect(twins).toBeGreaterThan(0);
}, 300_000);
