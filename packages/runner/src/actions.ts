import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadActionSpec } from '@slipway/cli';
import type { ActionSpec } from '@slipway/cli';
import { RunnerError } from './errors';
import type { Permissions } from './permissions';

const git = promisify(execFile);

/** What a step's action needs of its job: where it runs, what it may do, and who it reports to. */
export interface StandInContext {
  job: string;
  workspace: string;
  /** The app repository the checkout stand-in clones (a local git repository). */
  repository: string;
  sha: string;
  ref: string;
  permissions: Permissions;
  /** The OIDC subject GitHub would put in this job's token. */
  subject: string;
  endpoints: Endpoints;
  /** The runner machine's variables (PATH among them), as the job's steps start with. */
  machine: Record<string, string>;
  assumeRole?: (request: RoleRequest) => void | Promise<void>;
}

export interface Endpoints {
  /** AWS_ENDPOINT_URL: every AWS service not named in `services`. */
  aws?: string;
  /** AWS_ENDPOINT_URL_<SERVICE>, e.g. { ECS: sandbox, SECRETS_MANAGER: moto }. */
  services?: Record<string, string>;
  /** The GitHub REST API the job's actions call (GITHUB_API_URL). */
  github?: string;
}

export interface RoleRequest {
  job: string;
  role: string;
  region: string;
  subject: string;
}

export interface StandInResult {
  outputs: Record<string, string>;
  /** Variables exported to the job's later steps, as core.exportVariable does. */
  env: Record<string, string>;
  /** Directories put first on PATH for later steps, as core.addPath does. */
  path?: string[];
}

/**
 * A third-party action the runner plays: the inputs it declares (with defaults) and what it does. Its
 * Errors fail the step, as the real action's would; a RunnerError is a use the double cannot play.
 */
interface StandIn {
  inputs: Record<string, string | undefined>;
  run(inputs: Record<string, string>, context: StandInContext): Promise<StandInResult>;
}

const STAND_INS: Record<string, StandIn> = {
  'actions/checkout': {
    inputs: {
      repository: undefined,
      ref: undefined,
      token: undefined,
      path: undefined,
      'fetch-depth': '1',
      'persist-credentials': 'true',
      clean: 'true',
    },
    async run(inputs, context) {
      if (inputs.repository) {
        throw new RunnerError(
          'action',
          `actions/checkout: only the workflow's own repository is served, not ${inputs.repository}.`,
        );
      }
      const depth = Number(inputs['fetch-depth']);
      if (!Number.isInteger(depth) || depth < 0) {
        throw new RunnerError(
          'input',
          `actions/checkout: fetch-depth must be a whole number, not "${inputs['fetch-depth']}".`,
        );
      }
      const dir = resolve(context.workspace, inputs.path ?? '.');
      const run = (...args: string[]) => git('git', args, { cwd: dir });
      await mkdir(dir, { recursive: true });
      await run('init', '-q');
      // file:// goes through git's transport, so depth is honoured as it is from GitHub.
      await run('remote', 'add', 'origin', `file://${resolve(context.repository)}`);
      const target = inputs.ref || context.sha;
      if (depth === 0) {
        await run(
          'fetch',
          '-q',
          '--prune',
          'origin',
          '+refs/heads/*:refs/remotes/origin/*',
          '+refs/tags/*:refs/tags/*',
        );
      }
      // The event's commit itself: a pull request's merge commit may be on no branch.
      await run('fetch', '-q', '--no-tags', ...(depth ? [`--depth=${depth}`] : []), 'origin', target);
      await run('-c', 'advice.detachedHead=false', 'checkout', '-q', '--force', 'FETCH_HEAD');
      const commit = (await run('rev-parse', 'HEAD')).stdout.trim();
      return { outputs: { ref: context.ref, commit }, env: {} };
    },
  },
  'actions/setup-python': {
    inputs: {
      'python-version': undefined,
      'python-version-file': undefined,
      cache: undefined,
      architecture: undefined,
      'check-latest': 'false',
      'update-environment': 'true',
    },
    // The runner machine's own python3 (the first on its PATH) stands in for the tool cache: the step
    // fails, as setup-python does, when it is not the version asked for.
    async run(inputs, context) {
      const wanted = inputs['python-version'];
      if (!wanted)
        throw new RunnerError('input', 'actions/setup-python: only python-version is implemented.');
      const found = await git(
        'python3',
        ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3]); print(sys.executable)'],
        { env: context.machine },
      ).catch(() => undefined);
      const [version, executable] = found ? found.stdout.trim().split('\n') : [];
      if (!version || !executable || !(version === wanted || version.startsWith(`${wanted}.`))) {
        throw new Error(
          `actions/setup-python: The version '${wanted}' with architecture 'x64' was not found (this runner has ${version ?? 'no python3'}).`,
        );
      }
      const bin = dirname(executable);
      return {
        outputs: { 'python-version': version, 'python-path': executable },
        env: { pythonLocation: dirname(bin) },
        path: [bin],
      };
    },
  },
  'aws-actions/configure-aws-credentials': {
    inputs: {
      'role-to-assume': undefined,
      'aws-region': undefined,
      'role-session-name': 'GitHubActions',
      audience: 'sts.amazonaws.com',
      'role-duration-seconds': '3600',
      'mask-aws-account-id': 'false',
    },
    async run(inputs, context) {
      const region = inputs['aws-region'];
      if (!region) throw new Error('configure-aws-credentials: Input required and not supplied: aws-region');
      const role = inputs['role-to-assume'];
      if (!role) {
        throw new Error(
          'configure-aws-credentials: no role-to-assume and no static credentials: nothing to authenticate with.',
        );
      }
      if (context.permissions['id-token'] !== 'write') {
        throw new Error(
          `configure-aws-credentials in ${context.job}: Could not get ID token — the job lacks "permissions: id-token: write".`,
        );
      }
      await context.assumeRole?.({ job: context.job, role, region, subject: context.subject });
      const account = /^arn:aws:iam::(\d{12}):role\//.exec(role)?.[1] ?? '123456789012';
      const services = Object.fromEntries(
        Object.entries(context.endpoints.services ?? {}).map(([service, url]) => [
          `AWS_ENDPOINT_URL_${service}`,
          url,
        ]),
      );
      return {
        outputs: { 'aws-account-id': account },
        env: {
          AWS_REGION: region,
          AWS_DEFAULT_REGION: region,
          AWS_ACCESS_KEY_ID: 'ASIARUNNERSTANDIN',
          AWS_SECRET_ACCESS_KEY: 'runner-stand-in-secret',
          AWS_SESSION_TOKEN: 'runner-stand-in-session',
          ...(context.endpoints.aws ? { AWS_ENDPOINT_URL: context.endpoints.aws } : {}),
          ...services,
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      };
    },
  },
};

export type ResolvedAction =
  { kind: 'slipway'; name: string; spec: ActionSpec } | { kind: 'stand-in'; name: string; standIn: StandIn };

/**
 * `uses:` of a step: Slipway's own actions (<org>/slipway/actions/<name>@<ref>) run from the local
 * bundles; the third-party actions the workflows use are stand-ins; anything else stops the run.
 */
export function resolveAction(uses: string, slipway: string, distDir: string): ResolvedAction {
  const own = /^[\w.-]+\/slipway\/actions\/([\w-]+)@[\w./-]+$/.exec(uses);
  if (own) {
    const spec = loadActionSpec(slipway, own[1]!);
    const bundle = join(distDir, own[1]!, 'index.js');
    if (!existsSync(bundle))
      throw new RunnerError('action', `${uses}: no bundle at ${bundle} (run npm run bundle).`);
    return { kind: 'slipway', name: own[1]!, spec: { ...spec, bundle } };
  }
  const at = uses.lastIndexOf('@');
  const name = at > 0 ? uses.slice(0, at) : uses;
  const standIn = STAND_INS[name];
  if (!standIn) throw new RunnerError('action', `${uses}: an action this runner does not know.`);
  return { kind: 'stand-in', name, standIn };
}

/** A stand-in's inputs: those given, then its declared defaults; an input it does not declare stops the run. */
export function standInInputs(
  action: { name: string; standIn: StandIn },
  given: Record<string, string>,
): Record<string, string> {
  const unknown = Object.keys(given).filter((key) => !(key in action.standIn.inputs));
  if (unknown.length) throw new RunnerError('input', `${action.name} has no input ${unknown.join(', ')}.`);
  const inputs: Record<string, string> = {};
  for (const [key, fallback] of Object.entries(action.standIn.inputs)) {
    const value = given[key] ?? fallback;
    if (value !== undefined) inputs[key] = value;
  }
  return inputs;
}
