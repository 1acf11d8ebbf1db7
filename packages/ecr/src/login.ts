import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { Logger, Secrets, SlipwayError, runCommand } from '@slipway/kit';
import { ECR } from './codes';

/**
 * Logs the docker CLI in to ECR. The password is registered as a secret before anything else touches
 * it, and reaches docker on stdin only.
 */
export async function dockerLogin(
  ecr: ECRClient,
  registryId: string | undefined,
  secrets: Secrets,
  logger: Logger,
): Promise<string> {
  const answer = await ecr.send(
    new GetAuthorizationTokenCommand(registryId ? { registryIds: [registryId] } : {}),
  );
  const data = answer.authorizationData?.[0];
  const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  secrets.register(data?.authorizationToken);
  secrets.register(password);
  const endpoint = (data?.proxyEndpoint ?? '').replace(/^https?:\/\//, '');
  const login = await runCommand('docker', ['login', '--username', 'AWS', '--password-stdin', endpoint], {
    stdin: password,
  });
  if (login.exitCode !== 0) {
    throw new SlipwayError(
      ECR.LOGIN_FAILED,
      `docker login to ${endpoint} failed: ${secrets.redact(login.stderr.trim())}`,
      {
        remedy: 'Check that docker runs on this runner and the role may call ecr:GetAuthorizationToken.',
      },
    );
  }
  logger.info(`Logged in to ${endpoint}.`);
  return endpoint;
}

/** Forgets the credentials; a failure is only a warning, as the runner is thrown away anyway. */
export async function dockerLogout(registries: string[], logger: Logger): Promise<void> {
  for (const registry of registries) {
    const logout = await runCommand('docker', ['logout', registry]);
    if (logout.exitCode === 0) logger.info(`Logged out of ${registry}.`);
    else logger.warning(`docker logout ${registry} failed: ${logout.stderr.trim()}`);
  }
}
