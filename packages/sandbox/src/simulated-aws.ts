import { SimClock } from './clock';
import { CodeDeployState } from './codedeploy/model';
import { codeDeployOperations } from './codedeploy/operations';
import { EcsArns } from './ecs/arns';
import { ecrOperations } from './ecr/operations';
import { RegistryStore } from './ecr/store';
import { EcsState } from './ecs/model';
import { ecsOperations } from './ecs/operations';
import { Simulation } from './ecs/simulation';
import { AwsError } from './http/aws-error';
import type { OperationTable } from './http/operation';
import { logsOperations } from './logs/operations';
import { LogStore } from './logs/store';
import type { DeploymentMark } from './options';
import { SeededRandom } from './random';
import { secretsOperations } from './secrets/operations';
import { ScenarioBook, type ScenarioName } from './scenarios';
import { resolveTaskTiming, type TaskTiming } from './timing';

export interface SimulatedAwsSettings {
  region: string;
  accountId: string;
  clusters: string[];
  seed: number;
  /** Wall clock for timestamps (default Date.now). */
  wallClock?: () => number;
  /** Task durations over TIMING's (provisioning, pending, health verdict, stopping). */
  timing?: Partial<TaskTiming>;
}

/**
 * The sandbox without HTTP or timers: the same ECS, CloudWatch Logs, ECR and CodeDeploy operations, on a
 * clock that only moves when `advance` is called. startSandbox serves one of these; unit tests drive one
 * directly.
 */
export interface SimulatedAws {
  readonly ecsOperations: OperationTable;
  readonly logsOperations: OperationTable;
  /** Amazon ECR's repository, image-manifest and authorization operations, kept in memory. */
  readonly ecrOperations: OperationTable;
  /** CodeDeploy for the ECS compute platform: its deployments run as staged rollouts of the ECS service. */
  readonly codedeployOperations: OperationTable;
  /** Secrets Manager's secrets, enough for a deploy's pre-flight and the tasks that read them. */
  readonly secretsOperations: OperationTable;
  /**
   * Runs an ECS, CloudWatch Logs, ECR, CodeDeploy or Secrets Manager operation; failures throw an AwsError named after the
   * error type.
   */
  call<Output = Record<string, unknown>>(operation: string, input?: object): Output;
  advance(simulatedSeconds: number): void;
  readonly simulatedSeconds: number;
  setScenario(image: string, scenario: ScenarioName): void;
  marks(): DeploymentMark[];
}

export function createSimulatedAws(settings: SimulatedAwsSettings): SimulatedAws {
  const clock = new SimClock(settings.wallClock);
  const state = new EcsState(new EcsArns(settings.region, settings.accountId));
  for (const name of settings.clusters) state.createCluster(name);
  const logs = new LogStore(() => clock.wallNow());
  const scenarios = new ScenarioBook();
  const simulation = new Simulation({
    state,
    clock,
    logs,
    scenarios,
    random: new SeededRandom(settings.seed ^ 0x5eed),
    timing: resolveTaskTiming(settings.timing),
  });
  const ecs = ecsOperations({ state, simulation });
  const cloudWatchLogs = logsOperations({
    store: logs,
    region: settings.region,
    accountId: settings.accountId,
  });
  const registry = ecrOperations({
    store: new RegistryStore(() => clock.wallNow()),
    region: settings.region,
    accountId: settings.accountId,
    random: new SeededRandom(settings.seed ^ 0xec7),
    wallNow: () => clock.wallNow(),
  });
  const codedeploy = codeDeployOperations({
    store: new CodeDeployState(),
    ecs: state,
    simulation,
    random: new SeededRandom(settings.seed ^ 0xc0de),
  });
  const secrets = secretsOperations({
    region: settings.region,
    accountId: settings.accountId,
    random: new SeededRandom(settings.seed ^ 0x5ec),
    wallNow: () => clock.wallNow(),
  });

  return {
    ecsOperations: ecs,
    logsOperations: cloudWatchLogs,
    ecrOperations: registry,
    codedeployOperations: codedeploy,
    secretsOperations: secrets,
    call<Output>(operation: string, input: object = {}): Output {
      const handler =
        ecs[operation] ??
        cloudWatchLogs[operation] ??
        registry[operation] ??
        codedeploy[operation] ??
        secrets[operation];
      if (!handler)
        throw new AwsError('UnknownOperationException', `The sandbox does not simulate ${operation}`);
      return handler(input) as Output;
    },
    advance: (seconds) => simulation.advance(seconds),
    get simulatedSeconds() {
      return clock.seconds;
    },
    setScenario: (image, scenario) => scenarios.set(image, scenario),
    marks: () => simulation.marks,
  };
}
