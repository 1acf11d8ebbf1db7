import {
  migrationInputs,
  migrationOutputs,
  migrationSummary,
  readMigrationRequest,
  runMigrations,
} from '@slipway/flows';
import { maskSecretInputs } from '@slipway/kit';
import { cleanUpSsmSession, ssmSessionState, tunnelClients } from '@slipway/tunnel';
import { runAction } from '../common/lifecycle';
import { actionInputs, actionLogger, actionSecrets, actionState } from '../common/runtime';

export function run(): Promise<void> {
  return runAction({
    main: async ({ teardown }) => {
      // Passwords and keys are masked before any input is parsed, even ones that then fail to parse.
      const secrets = actionSecrets();
      maskSecretInputs(actionInputs, migrationInputs, secrets);
      const request = readMigrationRequest(actionInputs, process.env.GITHUB_WORKSPACE ?? process.cwd());
      const { result, failure } = await runMigrations(request, {
        ...tunnelClients({ region: request.region }),
        secrets,
        logger: actionLogger,
        teardown,
        ...ssmSessionState(actionState, request.region),
      });
      // What was applied before a migration failed stays applied: the summary says so.
      return { outputs: migrationOutputs(result), summary: migrationSummary(result), failure };
    },
    post: () =>
      cleanUpSsmSession(actionState, {
        ssm: (region) => tunnelClients({ region }).ssm(),
        logger: actionLogger,
      }),
  });
}
