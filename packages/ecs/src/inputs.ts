import {
  ConfigurationError,
  Grammar,
  INVALID_INPUT,
  InputSource,
  ecsCluster,
  ecsName,
  ecsService,
  hostname,
  imageRef,
  input,
  listenerArn,
  onlyWith,
  parseInputs,
  pattern,
  region,
  sameRegion,
  secretArn,
  ssmParameter,
  workspacePath,
} from '@slipway/kit';
import { ECS } from './codes';
import { DeployRequest } from './deploy';
import { PreviewAction, PreviewRequest } from './preview';
import { loadTaskDefinitionFile, parseTaskDefinitionRef, render } from './taskdef';
import { appSpecFor } from './codedeploy';

/** A container's env or secret name: NAME, or container:NAME for one container. */
const envName = pattern(
  'NAME or container:NAME (NAME: letters, digits and _, not starting with a digit)',
  /^(?:[A-Za-z0-9_-]{1,255}:)?[A-Za-z_][A-Za-z0-9_]*$/,
  'is not an environment variable name',
);

/** What ECS takes as a secret's valueFrom: a Secrets Manager or Parameter Store ARN, or a parameter name. */
const secretRef: Grammar = {
  expected: 'a Secrets Manager secret ARN, a Parameter Store parameter ARN, or a parameter name',
  parse: (text) => {
    if (text.startsWith('arn:') && text.split(':')[2] === 'secretsmanager') return secretArn.parse(text);
    return ssmParameter.parse(text);
  },
};

const codeDeployName = pattern(
  '1–100 letters, digits and _ . + @ = , -, starting with a letter or digit',
  /^[A-Za-z0-9][A-Za-z0-9_.+@=,-]{0,99}$/,
  'is not a CodeDeploy name',
);

/** ecs-deploy's inputs, as action.yml declares them (tests/unit/actions/action-yml.test.ts holds them to it). */
export const deployInputs = {
  cluster: input.value(ecsCluster, { required: true }),
  services: input.list({ required: true, item: ecsService, unique: true }),
  images: input.pairs({ default: [], what: 'container=image', key: ecsName, value: imageRef }),
  'task-definition': input.string(),
  'task-definition-arn': input.string(),
  env: input.pairs({ default: [], what: '[container:]NAME=value', key: envName }),
  secrets: input.pairs({
    default: [],
    what: '[container:]NAME=secret-or-parameter-arn',
    key: envName,
    value: secretRef,
  }),
  'desired-count': input.integer({ min: 0, max: 5000 }),
  'force-new-deployment': input.boolean({ default: false }),
  wait: input.boolean({ default: true }),
  timeout: input.integer({ default: 900, min: 1, max: 86400 }),
  'rollback-on-failure': input.boolean({ default: true }),
  'wait-for-rollback': input.boolean({ default: true }),
  'allow-older': input.boolean({ default: false }),
  'keep-revisions': input.integer({ min: 1, max: 1000000 }),
  'max-failed-tasks': input.integer({ min: 1, max: 100000 }),
  'run-task-command': input.string({ multiline: true }),
  'run-task-container': input.value(ecsName),
  'run-task-when': input.choice(['before', 'after'], { default: 'before' }),
  'run-task-timeout': input.integer({ default: 600, min: 1, max: 86400 }),
  'codedeploy-application': input.value(codeDeployName),
  'codedeploy-deployment-group': input.value(codeDeployName),
  'codedeploy-appspec': input.string(),
  preview: input.choice(['deploy', 'delete', 'sweep']),
  'pull-request': input.integer({ min: 1, max: 2147483647 }),
  'preview-domain': input.value(hostname),
  'listener-arn': input.value(listenerArn),
  'preview-desired-count': input.integer({ default: 1, min: 0, max: 5000 }),
  'open-pull-requests': input.list({ default: [] }),
  'preview-ttl-hours': input.integer({ default: 168, min: 1, max: 87600 }),
  region: input.value(region),
  preflight: input.choice(['enforce', 'warn', 'off'], { default: 'enforce' }),
  plan: input.boolean({ default: false }),
};

type DeployInputs = ReturnType<typeof parseInputs<typeof deployInputs>>;

/** An ecs-deploy step: an ordinary deploy, or a preview environment's deploy, delete or sweep. */
export type EcsRequest = { region?: string } & (
  { mode: 'deploy'; deploy: DeployRequest } | { mode: 'preview'; preview: PreviewRequest }
);

const PREVIEW_ONLY = [
  'pull-request',
  'preview-domain',
  'listener-arn',
  'preview-desired-count',
  'open-pull-requests',
  'preview-ttl-hours',
];

/**
 * ecs-deploy's inputs, parsed once: the "preview" input decides the mode, and each mode refuses the
 * inputs it would not read.
 */
export function readEcsRequest(
  source: InputSource,
  workspace = process.env.GITHUB_WORKSPACE ?? process.cwd(),
): EcsRequest {
  const i = parseInputs(source, deployInputs);
  if (i.preview)
    return { mode: 'preview', preview: previewRequest(source, i.preview, i, workspace), region: i.region };
  onlyWith(source, deployInputs, PREVIEW_ONLY, 'preview', false, 'it configures preview environments');
  return { mode: 'deploy', deploy: deployRequest(source, i, workspace), region: i.region };
}

function previewRequest(
  source: InputSource,
  action: PreviewAction,
  i: DeployInputs,
  workspace: string,
): PreviewRequest {
  onlyWith(
    source,
    deployInputs,
    ['open-pull-requests', 'preview-ttl-hours'],
    'preview',
    action === 'sweep',
    'only "preview: sweep" reads it',
    `with "preview: ${action}"`,
  );
  onlyWith(
    source,
    deployInputs,
    ['preview-desired-count'],
    'preview',
    action === 'deploy',
    'only "preview: deploy" reads it',
    `with "preview: ${action}"`,
  );
  onlyWith(
    source,
    deployInputs,
    ['pull-request'],
    'preview',
    action !== 'sweep',
    'a sweep goes by "open-pull-requests"',
    'with "preview: sweep"',
  );
  const misconfigured = (message: string, remedy: string) =>
    new ConfigurationError(ECS.PREVIEW_MISCONFIGURED, message, { remedy });
  const [template, ...others] = i.services;
  if (!template || others.length) {
    throw misconfigured(
      `Input "services" names the one template service previews are cloned from; got ${i.services.length}.`,
      'Give one service, e.g. services: web.',
    );
  }
  const requiredPullRequest = (of: 'deploy' | 'delete') => {
    const number = i['pull-request'];
    if (number !== undefined) return number;
    throw misconfigured(
      `Input "pull-request" is required for preview ${of}.`,
      'Pass the pull request number.',
    );
  };
  const target = action === 'sweep' ? { action } : { action, pullRequest: requiredPullRequest(action) };
  const domain = i['preview-domain'];
  const listenerArn = i['listener-arn'];
  if (Boolean(domain) !== Boolean(listenerArn)) {
    throw misconfigured(
      'Inputs "preview-domain" and "listener-arn" go together: one was given without the other.',
      'Give both for a host rule per preview (pr-<N>.<domain>), or neither.',
    );
  }
  const openPullRequests = i['open-pull-requests'].map((value) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) {
      throw misconfigured(
        `Input "open-pull-requests" holds "${value}", which is not a pull request number.`,
        'Give numbers, comma-separated or one per line.',
      );
    }
    return number;
  });
  const scope = {
    cluster: i.cluster,
    template,
    route: domain && listenerArn ? { domain, listenerArn } : undefined,
  };
  if (target.action === 'sweep') {
    return { ...scope, action: 'sweep', openPullRequests, ttlHours: i['preview-ttl-hours'] };
  }
  const { pullRequest } = target;
  if (target.action === 'delete') return { ...scope, action: 'delete', pullRequest };
  return {
    ...scope,
    action: 'deploy',
    pullRequest,
    desiredCount: i['preview-desired-count'],
    deploy: deployRequest(source, i, workspace),
  };
}

function deployRequest(source: InputSource, i: DeployInputs, workspace: string): DeployRequest {
  onlyWith(
    source,
    deployInputs,
    ['run-task-container', 'run-task-when', 'run-task-timeout'],
    'run-task-command',
    Boolean(i['run-task-command']),
    'it configures the one-off task',
  );
  sameRegion(source, [
    ['cluster', i.cluster],
    ...i.services.map((service): [string, string] => ['services', service]),
    ['task-definition-arn', i['task-definition-arn']],
    ['listener-arn', i['listener-arn']],
  ]);
  const file =
    i['task-definition'] &&
    workspacePath(
      'task-definition',
      i['task-definition'],
      workspace,
      'file',
      ECS.UNREADABLE_TASK_DEFINITION_FILE,
    );
  const appSpec =
    i['codedeploy-appspec'] &&
    workspacePath('codedeploy-appspec', i['codedeploy-appspec'], workspace, 'file', ECS.INVALID_APPSPEC);
  const revision = i['task-definition-arn'];
  if (file && revision) {
    throw new ConfigurationError(
      ECS.CONFLICTING_SOURCES,
      'Inputs "task-definition" and "task-definition-arn" were both given.',
      {
        remedy: 'Give a file to render and register, or a revision to deploy as it is — not both.',
      },
    );
  }
  const overrides = { images: i.images, env: i.env, secrets: i.secrets };
  if (revision && (overrides.images.length || overrides.env.length || overrides.secrets.length)) {
    throw new ConfigurationError(
      ECS.CONFLICTING_SOURCES,
      'Input "task-definition-arn" deploys a revision as it is, so "images", "env" and "secrets" cannot change it.',
      { remedy: 'Drop those inputs, or deploy from the live task definition or a file instead.' },
    );
  }
  const somethingToDo =
    file ||
    revision ||
    overrides.images.length ||
    overrides.env.length ||
    overrides.secrets.length ||
    i['force-new-deployment'] ||
    i['desired-count'] !== undefined ||
    i['run-task-command'];
  if (!somethingToDo) {
    throw new ConfigurationError(
      ECS.CONFLICTING_SOURCES,
      'Nothing to deploy: no images, task definition, revision or override was given.',
      {
        remedy:
          'Set "images" (container=image), "task-definition", "task-definition-arn", or "force-new-deployment: true".',
      },
    );
  }
  return {
    cluster: i.cluster,
    services: [...new Set(i.services)],
    source: file
      ? { kind: 'file', path: file, overrides }
      : revision
        ? { kind: 'revision', ref: parseTaskDefinitionRef(revision) }
        : { kind: 'live', overrides },
    desiredCount: i['desired-count'],
    forceNewDeployment: i['force-new-deployment'],
    wait: i.wait,
    timeoutSeconds: i.timeout,
    rollbackOnFailure: i['rollback-on-failure'],
    waitForRollback: i['wait-for-rollback'],
    allowOlder: i['allow-older'],
    preflight: i.preflight,
    plan: i.plan,
    keepRevisions: i['keep-revisions'],
    maxFailedTasks: i['max-failed-tasks'],
    oneOffTask: i['run-task-command']
      ? {
          command: parseCommand(i['run-task-command']),
          container: i['run-task-container'],
          when: i['run-task-when'],
          timeoutSeconds: i['run-task-timeout'],
        }
      : undefined,
    codeDeploy: {
      application: i['codedeploy-application'],
      deploymentGroup: i['codedeploy-deployment-group'],
      appSpecPath: appSpec,
    },
  };
}

/** A JSON array of words as given, or a command line run by sh -c. */
function parseCommand(raw: string): string[] {
  if (!raw.trim().startsWith('[')) return ['sh', '-c', raw];
  let words: unknown;
  try {
    words = JSON.parse(raw);
  } catch {
    words = undefined;
  }
  if (Array.isArray(words) && words.length && words.every((word) => typeof word === 'string')) return words;
  throw new ConfigurationError(
    INVALID_INPUT,
    'Input "run-task-command" starts with "[" but is not a JSON array of strings.',
    { remedy: 'Use ["npm", "run", "migrate"], or a command line such as: npm run migrate.' },
  );
}

/**
 * Reads the files a deploy names before anything is called: a task definition that does not parse, or
 * names no container an override names, and an AppSpec that is no AppSpec, fail while nothing has changed.
 */
export async function checkDeployFiles(request: DeployRequest): Promise<void> {
  if (request.source.kind === 'file') {
    const file = await loadTaskDefinitionFile(request.source.path);
    render(file.input, request.source.overrides, 'the task definition file');
  }
  const appSpec = request.codeDeploy?.appSpecPath;
  if (appSpec) await appSpecFor({}, 'arn:aws:ecs:us-east-1:000000000000:task-definition/check:1', appSpec);
}
