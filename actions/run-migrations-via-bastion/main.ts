import {
  MigrationOutcome,
  MigrationRunError,
  Teardown,
  cleanUpSsmSession,
  migrationInputs,
  migrationOutputs,
  migrationSummary,
  readMigrationRequest,
  runMigrations,
  ssmSessionState,
  teardownOnSignals,
  tunnelClients,
} from '@slipway/tunnel';
import { maskSecretInputs } from '@slipway/kit';
import {
  actionInputs,
  actionLogger,
  actionSecrets,
  actionState,
  runMainOrPost,
  setOutputs,
  writeSummary,
} from '../common/runtime';

export function run(): Promise<void> {
  return runMainOrPost(main, post);
}

async function main(): Promise<void> {
  // Passwords and keys are masked before any input is parsed, even ones that then fail to parse.
  const secrets = actionSecrets();
  maskSecretInputs(actionInputs, migrationInputs, secrets);
  const request = readMigrationRequest(actionInputs, process.env.GITHUB_WORKSPACE ?? process.cwd());
  const teardown = new Teardown();
  teardownOnSignals(teardown, actionLogger);
  const region = { region: request.region };
  const report = async (outcome: MigrationOutcome) => {
    setOutputs(migrationOutputs(outcome));
    await writeSummary(migrationSummary(outcome));
  };
  try {
    await report(
      await runMigrations(request, {
        ...tunnelClients(region),
        secrets,
        logger: actionLogger,
        teardown,
        ...ssmSessionState(actionState, request.region),
      }),
    );
  } catch (error) {
    // What was applied before a migration failed stays applied: say so.
    if (error instanceof MigrationRunError) await report(error.outcome);
    throw error;
  }
}

function post(): Promise<void> {
  return cleanUpSsmSession(actionState, {
    ssm: (region) => tunnelClients({ region }).ssm(),
    logger: actionLogger,
  });
}
