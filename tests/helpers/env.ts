/**
 * process.env hygiene for tests: every change a test makes is undone afterwards, and AWS clients
 * (in-process or in child processes) get dummy credentials and a loopback endpoint.
 */

export type EnvVars = Record<string, string | undefined>;

/** A copy of process.env to hand to restoreEnv later. */
export type EnvSnapshot = Readonly<Record<string, string>>;

export function saveEnv(): EnvSnapshot {
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) copy[key] = value;
  return copy;
}

/**
 * Puts process.env back to the snapshot in place (process.env stays the same object, so modules
 * holding a reference to it see the restored values): added keys are deleted, changed ones reset.
 */
export function restoreEnv(snapshot: EnvSnapshot): void {
  for (const key of Object.keys(process.env)) if (!(key in snapshot)) delete process.env[key];
  for (const [key, value] of Object.entries(snapshot)) {
    if (process.env[key] !== value) process.env[key] = value;
  }
}

/** Sets (string) or deletes (undefined) each variable. */
export function setEnv(vars: EnvVars): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/** Runs fn with vars applied to process.env, and restores the whole environment afterwards. */
export async function withEnv<T>(vars: EnvVars, fn: () => T | Promise<T>): Promise<T> {
  const snapshot = saveEnv();
  setEnv(vars);
  try {
    return await fn();
  } finally {
    restoreEnv(snapshot);
  }
}

/**
 * Jest hook: snapshot process.env before each test and restore it after each one. Call once at the
 * top of a test file (or inside a describe block).
 */
export function restoreEnvAfterEach(): void {
  let snapshot: EnvSnapshot | undefined;
  beforeEach(() => {
    snapshot = saveEnv();
  });
  afterEach(() => {
    if (snapshot) restoreEnv(snapshot);
    snapshot = undefined;
  });
}

/**
 * Variables that point the AWS SDK v3 and the aws CLI at a local endpoint (moto or the sandbox)
 * with dummy credentials, and keep them away from instance metadata.
 */
export function awsTestEnv(endpointUrl: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    // The aws CLI (botocore) reads AWS_DEFAULT_REGION rather than AWS_REGION.
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: endpointUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
    // aws CLI v2 would otherwise pipe output through a pager.
    AWS_PAGER: '',
  };
}

/**
 * A complete environment for a child process: `base` (default process.env) without any AWS_*
 * variables from the host (profiles, session tokens, per-service endpoints), plus awsTestEnv and
 * `extra`. Host AWS config files are hidden so a developer's ~/.aws cannot leak into a test.
 */
export function awsChildEnv(
  endpointUrl: string,
  extra: Record<string, string> = {},
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !key.startsWith('AWS_')) env[key] = value;
  }
  return {
    ...env,
    AWS_CONFIG_FILE: '/nonexistent/slipway-test/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/slipway-test/aws-credentials',
    ...awsTestEnv(endpointUrl),
    ...extra,
  };
}
