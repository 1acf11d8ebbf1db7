import type { AddressInfo } from 'node:net';
import { Ticker } from './clock';
import { CallCounter, FaultInjector, validateFaults } from './faults';
import { createSandboxServer, type ControlRoute } from './http/server';
import { resolveOptions, type Sandbox, type SandboxOptions } from './options';
import { SCENARIO_NAMES, isScenarioName } from './scenarios';
import { PolicySimulator, type PolicyStatement } from './iam/simulator';
import { createSimulatedAws } from './simulated-aws';

type Controls = Omit<Sandbox, 'url' | 'port' | 'stop'>;

/** Starts the sandbox on 127.0.0.1 and its simulation clock. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const settings = resolveOptions(options);
  const aws = createSimulatedAws(settings);
  const calls = new CallCounter();
  const faults = new FaultInjector(settings.seed);
  const iam = new PolicySimulator();
  const controls: Controls = {
    setRolePolicy: (roleArn, statements) => iam.setRolePolicy(roleArn, statements),
    setScenario: (image, scenario) => aws.setScenario(image, scenario),
    setFaults: (input) => faults.configure(input),
    calls: () => calls.snapshot(),
    callSequence: () => calls.sequence(),
    resetCalls: () => calls.reset(),
    marks: () => aws.marks(),
  };
  const health = () => ({
    status: 'ok',
    region: settings.region,
    accountId: settings.accountId,
    speed: settings.speed,
    simulatedSeconds: aws.simulatedSeconds,
  });

  const server = createSandboxServer({
    services: [
      {
        targetPrefix: 'AmazonEC2ContainerServiceV20141113',
        operations: aws.ecsOperations,
        serverErrorType: 'ServerException',
      },
      {
        targetPrefix: 'Logs_20140328',
        operations: aws.logsOperations,
        serverErrorType: 'ServiceUnavailableException',
      },
      {
        targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
        operations: aws.ecrOperations,
        serverErrorType: 'ServerException',
      },
      {
        targetPrefix: 'CodeDeploy_20141006',
        operations: aws.codedeployOperations,
        serverErrorType: 'InternalFailure',
      },
      {
        targetPrefix: 'secretsmanager',
        operations: aws.secretsOperations,
        serverErrorType: 'InternalServiceError',
      },
    ],
    queryOperations: iam.operations,
    calls,
    faults,
    controlRoutes: controlRoutes(controls, health),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const ticker = new Ticker(settings.speed, settings.tickMs, (seconds) => aws.advance(seconds));
  ticker.start();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    ...controls,
    stop: async () => {
      ticker.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function controlRoutes(controls: Controls, health: () => unknown): ControlRoute[] {
  return [
    { method: 'GET', path: 'health', handle: health },
    { method: 'GET', path: 'calls', handle: () => controls.calls() },
    { method: 'POST', path: 'calls/reset', handle: () => controls.resetCalls() },
    { method: 'GET', path: 'marks', handle: () => controls.marks() },
    { method: 'POST', path: 'faults', handle: (body) => controls.setFaults(validateFaults(body)) },
    {
      method: 'POST',
      path: 'iam/role-policy',
      handle: (body) => {
        const { roleArn, statements } = (body ?? {}) as { roleArn?: unknown; statements?: unknown };
        if (typeof roleArn !== 'string' || !Array.isArray(statements)) {
          throw new Error('iam/role-policy needs "roleArn" and a "statements" list');
        }
        controls.setRolePolicy(roleArn, statements as PolicyStatement[]);
      },
    },
    {
      method: 'POST',
      path: 'scenario',
      handle: (body) => {
        const { image, scenario } = (body ?? {}) as { image?: unknown; scenario?: unknown };
        if (typeof image !== 'string' || image === '') throw new Error('scenario needs a non-empty "image"');
        if (!isScenarioName(scenario)) {
          throw new Error(
            `Unknown scenario ${JSON.stringify(scenario)}. Valid values are: ${SCENARIO_NAMES.join(', ')}`,
          );
        }
        controls.setScenario(image, scenario);
      },
    },
  ];
}
