import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type {
  ReusableWorkflowJob,
  Step,
  WorkflowJob,
} from '@actions/workflow-parser/model/workflow-template';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { findRoot, inputVariable, parseFileCommands, readableLine, runBundle } from '@slipway/cli';
import picomatch from 'picomatch';
import { resolveAction, standInInputs } from './actions';
import type { Endpoints, RoleRequest } from './actions';
import { Concurrency } from './concurrency';
import type { ConcurrencyRecord } from './concurrency';
import { RunnerError } from './errors';
import type { WorkflowEvent } from './events';
import { asString, condition, evaluateToken } from './expressions';
import type { Value } from './expressions';
import { checkKeys, child, keys, loadWorkflow } from './load';
import type { LoadedWorkflow } from './load';
import { libraries, loadLibraries } from './libraries';
import { expandMatrix } from './matrix';
import { DEFAULT_PERMISSIONS, FORK_CAP, capPermissions, parsePermissions } from './permissions';
import type { Permissions } from './permissions';

export type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface RunHooks {
  /** A job with `environment:` waits for this; false rejects the deployment and fails the job. */
  approve?(request: { job: string; environment: string }): boolean | Promise<boolean>;
  /** configure-aws-credentials asks this before it grants credentials; throw to refuse (e.g. an OIDC trust check). */
  assumeRole?(request: RoleRequest): void | Promise<void>;
}

export interface RunOptions {
  /** The workflow file that the event triggers (an app repository's caller, or a reusable workflow). */
  workflow: string;
  event: WorkflowEvent;
  /** The app repository (a local git repository) that checkout clones. */
  repo: string;
  /** The Slipway checkout <org>/slipway/… references resolve to (default: this one). */
  slipway?: string;
  /** Where the action bundles are (default SLIPWAY_DIST_DIR, else <slipway>/dist). */
  distDir?: string;
  /** For a workflow_call workflow run directly: its inputs. */
  inputs?: Record<string, Value>;
  endpoints?: Endpoints;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Variables of the runner machine every step sees (e.g. PATH additions, DOCKER_HOST). */
  env?: Record<string, string>;
  hooks?: RunHooks;
  /** Share one between runs to check concurrency groups across them. */
  concurrency?: Concurrency;
  log?: (line: string) => void;
}

export interface StepResult {
  id: string;
  name: string;
  outcome: Result;
  conclusion: Result;
  outputs: Record<string, string>;
}

/** One run of a job: the job itself, or one combination of its matrix. */
export interface JobRun {
  name: string;
  matrix: Record<string, Value>;
  result: Result;
  outputs: Record<string, string>;
  steps: StepResult[];
  summary: string;
  /** Error annotations (`::error::`) and the runner's own failures. */
  errors: string[];
  log: string[];
  permissions: Permissions;
  durationMs: number;
}

export interface JobResult {
  /** caller job / called job, e.g. deploy/image. */
  id: string;
  result: Result;
  outputs: Record<string, string>;
  runs: JobRun[];
}

export interface EnvironmentRecord {
  job: string;
  name: string;
  url?: string;
  approved: boolean;
}

export interface RunResult {
  /** False when the workflow's `on:` does not take this event (branch, types): nothing ran. */
  triggered: boolean;
  conclusion: Result;
  jobs: Record<string, JobResult>;
  /** A workflow_call workflow's outputs. */
  outputs: Record<string, string>;
  environments: EnvironmentRecord[];
  concurrency: ConcurrencyRecord[];
  roles: RoleRequest[];
}

interface RunState {
  options: RunOptions;
  slipway: string;
  distDir: string;
  github: Record<string, Value>;
  jobs: Record<string, JobResult>;
  environments: EnvironmentRecord[];
  roles: RoleRequest[];
  concurrency: Concurrency;
  masks: string[];
  eventPath: string;
  cancelled: boolean;
}

/** The calling side of a workflow: its inputs, secrets, and the permissions its jobs may not exceed. */
interface Call {
  prefix: string;
  inputs: Record<string, Value>;
  secrets: Record<string, string>;
  cap?: Permissions;
}

const WORKFLOW_KEYS = ['name', 'run-name', 'on', 'permissions', 'env', 'defaults', 'concurrency', 'jobs'];
const JOB_KEYS = [
  'name',
  'needs',
  'if',
  'runs-on',
  'permissions',
  'environment',
  'concurrency',
  'outputs',
  'env',
  'defaults',
  'strategy',
  'steps',
  'timeout-minutes',
];
const CALLER_JOB_KEYS = ['name', 'needs', 'if', 'permissions', 'uses', 'with', 'secrets', 'concurrency'];
const STEP_KEYS = [
  'id',
  'name',
  'if',
  'uses',
  'run',
  'with',
  'env',
  'shell',
  'working-directory',
  'continue-on-error',
  'timeout-minutes',
];
const RUNNERS = ['ubuntu-latest', 'ubuntu-24.04', 'ubuntu-22.04'];

/**
 * Runs a workflow as GitHub's runner would, locally: a test double of the runner as the sandbox is
 * one of ECS. GitHub's parser loads the workflow, GitHub's expression engine evaluates every
 * `${{ }}`; Slipway's actions run from the local bundles, checkout and configure-aws-credentials
 * are stand-ins; anything else it meets stops the run with a RunnerError.
 */
export async function runWorkflow(options: RunOptions): Promise<RunResult> {
  const slipway = options.slipway ?? findRoot();
  await loadLibraries();
  const dir = await mkdtemp(join(tmpdir(), 'slipway-run-'));
  const eventPath = join(dir, 'event.json');
  await writeFile(eventPath, JSON.stringify(options.event.payload));
  const token = `ghs_runner${randomBytes(12).toString('hex')}`;
  const event = options.event;
  const state: RunState = {
    options,
    slipway,
    distDir: resolve(slipway, options.distDir ?? process.env.SLIPWAY_DIST_DIR ?? 'dist'),
    github: githubContext(event, token, options.endpoints?.github, eventPath),
    jobs: {},
    environments: [],
    roles: [],
    concurrency: options.concurrency ?? new Concurrency(),
    masks: [token, ...Object.values(options.secrets ?? {})].filter((s) => s.length > 0),
    eventPath,
    cancelled: false,
  };
  try {
    const workflow = await loadWorkflow(options.workflow);
    if (!triggers(workflow, event, options.inputs !== undefined)) {
      return {
        triggered: false,
        conclusion: 'skipped',
        jobs: {},
        outputs: {},
        environments: [],
        concurrency: [],
        roles: [],
      };
    }
    const inputs =
      event.name === 'workflow_dispatch' && options.inputs === undefined
        ? dispatchInputs(workflow, event)
        : callInputs(workflow, options.inputs ?? {}, { github: state.github }, workflow.file);
    const fork = isFork(event);
    const secrets = fork ? {} : { GITHUB_TOKEN: token, ...options.secrets };
    const outputs = await runCalled(workflow, state, { prefix: '', inputs, secrets });
    return {
      triggered: true,
      conclusion: aggregate(
        Object.values(state.jobs)
          .filter((job) => !job.id.includes('/'))
          .map((job) => job.result),
      ),
      jobs: state.jobs,
      outputs,
      environments: state.environments,
      concurrency: state.concurrency.records,
      roles: state.roles,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function githubContext(
  event: WorkflowEvent,
  token: string,
  api: string | undefined,
  eventPath: string,
): Record<string, Value> {
  const pr = event.payload.pull_request as Record<string, Record<string, Value>> | undefined;
  const branch = /^refs\/(heads|tags)\/(.+)$/.exec(event.ref);
  return {
    event_name: event.name,
    event: event.payload,
    event_path: eventPath,
    sha: event.sha,
    ref: event.ref,
    ref_name: branch ? branch[2]! : event.ref.replace(/^refs\/pull\/(\d+)\/merge$/, '$1/merge'),
    ref_type: branch?.[1] === 'tags' ? 'tag' : 'branch',
    head_ref: pr ? String(pr.head?.ref ?? '') : '',
    base_ref: pr ? String(pr.base?.ref ?? '') : '',
    repository: event.repository,
    repository_owner: event.repository.split('/')[0]!,
    actor: event.actor ?? 'octocat',
    triggering_actor: event.actor ?? 'octocat',
    run_id: '1',
    run_number: '1',
    run_attempt: '1',
    workflow: '',
    token,
    server_url: 'https://github.com',
    api_url: api ?? 'http://127.0.0.1:9',
    retention_days: '90',
  };
}

function isFork(event: WorkflowEvent): boolean {
  const pr = event.payload.pull_request as { head?: { repo?: { full_name?: string } } } | undefined;
  return event.name === 'pull_request' && pr?.head?.repo?.full_name !== event.repository;
}

/** Whether the workflow's `on:` takes the event (branch, tag and type filters). */
function triggers(workflow: LoadedWorkflow, event: WorkflowEvent, called: boolean): boolean {
  const events = workflow.template.events;
  if (called) {
    if (!events.workflow_call)
      throw new RunnerError('event', `${workflow.file} is not a workflow_call workflow.`);
    return true;
  }
  const config = events[event.name] as
    | {
        branches?: string[];
        'branches-ignore'?: string[];
        tags?: string[];
        'tags-ignore'?: string[];
        types?: string[];
        paths?: string[];
        'paths-ignore'?: string[];
      }
    | undefined;
  if (config === undefined) return false;
  if (config.paths || config['paths-ignore']) {
    throw new RunnerError('keyword', `${workflow.file}: path filters on ${event.name} are not implemented.`);
  }
  if (event.name === 'pull_request') {
    const types = config.types ?? ['opened', 'synchronize', 'reopened'];
    if (!types.includes(String(event.payload.action))) return false;
  }
  const match = (patterns: string[], name: string) => picomatch.isMatch(name, patterns);
  const base =
    event.name === 'pull_request'
      ? `refs/heads/${String((event.payload.pull_request as { base: { ref: string } }).base.ref)}`
      : event.ref;
  const branch = /^refs\/heads\/(.+)$/.exec(base)?.[1];
  const tag = /^refs\/tags\/(.+)$/.exec(base)?.[1];
  if (branch !== undefined) {
    if (config.branches) return match(config.branches, branch);
    if (config['branches-ignore']) return !match(config['branches-ignore'], branch);
    return !(event.name === 'push' && config.tags && !config.branches);
  }
  if (tag !== undefined) {
    if (config.tags) return match(config.tags, tag);
    if (config['tags-ignore']) return !match(config['tags-ignore'], tag);
    return !(config.branches || config['branches-ignore']);
  }
  return true;
}

function dispatchInputs(workflow: LoadedWorkflow, event: WorkflowEvent): Record<string, Value> {
  const declared = workflow.template.events.workflow_dispatch?.inputs ?? {};
  const given = (event.payload.inputs ?? {}) as Record<string, Value>;
  for (const name of Object.keys(given)) {
    if (!(name in declared)) throw new RunnerError('input', `workflow_dispatch: unexpected input "${name}".`);
  }
  const inputs: Record<string, Value> = {};
  for (const [name, config] of Object.entries(declared)) {
    const raw = given[name] ?? config.default ?? '';
    if (config.required && (raw === '' || raw === null))
      throw new RunnerError('input', `workflow_dispatch: input "${name}" is required.`);
    if (config.type === 'choice' && raw !== '' && !config.options?.includes(String(raw))) {
      throw new RunnerError(
        'input',
        `workflow_dispatch: input "${name}" must be one of ${config.options?.join(', ')}, not "${String(raw)}".`,
      );
    }
    inputs[name] = config.type === 'boolean' ? String(raw) === 'true' : raw;
  }
  return inputs;
}

/** A called workflow's inputs: those given, checked against its declarations, then its defaults. */
function callInputs(
  workflow: LoadedWorkflow,
  given: Record<string, Value>,
  contexts: Record<string, Value>,
  where: string,
): Record<string, Value> {
  const declared = workflow.template.events.workflow_call?.inputs ?? {};
  for (const name of Object.keys(given)) {
    if (!(name in declared))
      throw new RunnerError('input', `${where}: ${workflow.file} has no input "${name}".`);
  }
  const inputs: Record<string, Value> = {};
  for (const [name, config] of Object.entries(declared)) {
    // The parser's converter knows no number type (and drops such an input's default); the raw declaration has both.
    const raw = child(child(child(child(workflow.root, 'on'), 'workflow_call'), 'inputs'), name);
    const type = String(config.type ?? evaluateToken(child(raw, 'type'), { contexts }));
    // A null (e.g. a dispatch input read on a push) is no value: the input takes its default.
    let value: Value | undefined = given[name] ?? undefined;
    if (value === undefined) {
      if (config.required)
        throw new RunnerError('input', `${where}: input "${name}" is required by ${workflow.file}.`);
      const fallback = child(raw, 'default');
      value = fallback === undefined ? defaultOf(type) : evaluateToken(fallback, { contexts });
    }
    const ok =
      (type === 'boolean' && typeof value === 'boolean') ||
      (type === 'number' && typeof value === 'number') ||
      (type === 'string' && value !== null && typeof value !== 'object');
    if (!ok) {
      throw new RunnerError(
        'input',
        `${where}: input "${name}" of ${workflow.file} is a ${type}; got ${JSON.stringify(value)}.`,
      );
    }
    inputs[name] = type === 'string' ? String(value) : value;
  }
  return inputs;
}

const defaultOf = (type: string): Value => (type === 'boolean' ? false : type === 'number' ? 0 : '');

/** Runs a workflow's jobs (all at once, each after its needs) and returns its workflow_call outputs. */
async function runCalled(
  workflow: LoadedWorkflow,
  state: RunState,
  call: Call,
): Promise<Record<string, string>> {
  checkKeys(workflow.root, WORKFLOW_KEYS, workflow.file);
  checkKeys(child(workflow.root, 'defaults'), ['run'], `${workflow.file} defaults`);
  const base: Record<string, Value> = {
    github: state.github,
    inputs: call.inputs,
    vars: state.options.vars ?? {},
  };
  const workflowConcurrency = child(workflow.root, 'concurrency');
  let release: (() => void) | undefined;
  if (workflowConcurrency) {
    const { group, cancelInProgress } = concurrencyOf(evaluateToken(workflowConcurrency, { contexts: base }));
    release = await state.concurrency.acquire(
      group,
      `${call.prefix}${workflow.file}`,
      cancelInProgress,
      () => (state.cancelled = true),
    );
    if (!release) {
      state.cancelled = true;
      return {};
    }
  }
  try {
    const declared = child(workflow.root, 'permissions');
    const permissions = declared
      ? parsePermissions(evaluateToken(declared, { contexts: base }), workflow.file)
      : undefined;
    const env = child(workflow.root, 'env');
    const context: WorkflowScope = {
      workflow,
      call,
      base,
      permissions,
      env: stringMap(
        evaluateToken(env, { contexts: { ...base, secrets: call.secrets } }),
        `${workflow.file} env`,
      ),
      defaults: child(child(workflow.root, 'defaults'), 'run'),
    };
    const done = new Map<string, Promise<JobResult>>();
    const byId = new Map(workflow.template.jobs.map((job) => [job.id.value, job]));
    const start = (job: WorkflowJob): Promise<JobResult> => {
      const id = job.id.value;
      let promise = done.get(id);
      if (!promise) {
        promise = Promise.all((job.needs ?? []).map((need) => start(byId.get(need.value)!))).then(() =>
          runJob(job, context, state),
        );
        done.set(id, promise);
      }
      return promise;
    };
    const results = await Promise.all(workflow.template.jobs.map(start));
    const jobsContext = Object.fromEntries(
      results.map((r) => [r.id.slice(call.prefix.length), { result: r.result, outputs: r.outputs }]),
    );
    const outputs = child(child(child(workflow.root, 'on'), 'workflow_call'), 'outputs');
    const values: Record<string, string> = {};
    for (const name of keys(outputs)) {
      values[name] = asString(
        evaluateToken(child(child(outputs, name), 'value'), { contexts: { ...base, jobs: jobsContext } }),
        `output ${name}`,
      );
    }
    return values;
  } finally {
    release?.();
  }
}

interface WorkflowScope {
  workflow: LoadedWorkflow;
  call: Call;
  base: Record<string, Value>;
  permissions?: Permissions;
  env: Record<string, string>;
  defaults?: TemplateToken;
}

function stringMap(value: Value, where: string): Record<string, string> {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new RunnerError('workflow', `${where} must be a mapping.`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asString(v, `${where}.${k}`)]));
}

function concurrencyOf(value: Value): { group: string; cancelInProgress: boolean } {
  if (typeof value === 'string') return { group: value, cancelInProgress: false };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return {
      group: asString(value.group ?? null, 'concurrency.group'),
      cancelInProgress: value['cancel-in-progress'] === true,
    };
  }
  throw new RunnerError(
    'workflow',
    `concurrency must be a group or a mapping, not ${JSON.stringify(value)}.`,
  );
}

export function aggregate(results: Result[]): Result {
  if (results.includes('failure')) return 'failure';
  if (results.includes('cancelled')) return 'cancelled';
  if (results.length && results.every((r) => r === 'skipped')) return 'skipped';
  return 'success';
}

/** The results of a job's needs, and of all their needs: GitHub's success() looks at every ancestor. */
function ancestors(job: WorkflowJob, scope: WorkflowScope, state: RunState): Result[] {
  const byId = new Map(scope.workflow.template.jobs.map((j) => [j.id.value, j]));
  const seen = new Set<string>();
  const visit = (j: WorkflowJob): Result[] =>
    (j.needs ?? []).flatMap((need) => {
      if (seen.has(need.value)) return [];
      seen.add(need.value);
      return [state.jobs[scope.call.prefix + need.value]!.result, ...visit(byId.get(need.value)!)];
    });
  return visit(job);
}

async function runJob(job: WorkflowJob, scope: WorkflowScope, state: RunState): Promise<JobResult> {
  const id = scope.call.prefix + job.id.value;
  const raw = child(child(scope.workflow.root, 'jobs'), job.id.value);
  const needs = Object.fromEntries(
    (job.needs ?? []).map((need) => {
      const result = state.jobs[scope.call.prefix + need.value]!;
      return [need.value, { result: result.result, outputs: result.outputs }];
    }),
  );
  const contexts = { ...scope.base, needs };
  const previous = ancestors(job, scope, state);
  const status = {
    success: () => !state.cancelled && previous.every((r) => r === 'success'),
    failure: () => previous.includes('failure'),
    cancelled: () => state.cancelled,
  };
  const record = (result: JobResult) => (state.jobs[id] = result);
  if (!condition(job.if.expression, { contexts, status })) {
    log(state, id, `skipped (if: ${job.if.expression})`);
    return record({ id, result: 'skipped', outputs: {}, runs: [] });
  }
  const declared = child(raw, 'permissions');
  let permissions = declared
    ? parsePermissions(evaluateToken(declared, { contexts }), `${id} permissions`)
    : (scope.permissions ?? DEFAULT_PERMISSIONS);
  if (scope.call.cap) permissions = capPermissions(permissions, scope.call.cap);
  // A fork's pull request gets a read-only token and no OIDC token, whatever the workflow asks for.
  if (isFork(state.options.event)) permissions = capPermissions(permissions, FORK_CAP);
  if (job.type === 'reusableWorkflowJob') {
    checkKeys(raw, CALLER_JOB_KEYS, id);
    return record(await runCaller(job, id, contexts, permissions, scope, state));
  }
  checkKeys(raw, JOB_KEYS, id);
  checkKeys(child(raw, 'defaults'), ['run'], `${id} defaults`);
  const runsOn = evaluateToken(job['runs-on'], { contexts });
  if (typeof runsOn !== 'string' || !RUNNERS.includes(runsOn)) {
    throw new RunnerError(
      'keyword',
      `${id}: runs-on ${JSON.stringify(runsOn)} is not a runner this double plays (${RUNNERS.join(', ')}).`,
    );
  }
  const strategy = evaluateToken(job.strategy, { contexts }) as Record<string, Value> | null;
  checkKeys(job.strategy, ['matrix', 'fail-fast', 'max-parallel'], `${id} strategy`);
  const combinations = strategy?.matrix !== undefined ? expandMatrix(strategy.matrix) : [{}];
  const failFast = strategy?.['fail-fast'] !== false;
  const maxParallel = Number(strategy?.['max-parallel'] ?? combinations.length);
  const controllers = combinations.map(() => new AbortController());
  const runs: JobRun[] = new Array(combinations.length);
  let failed = false;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < combinations.length; i = next++) {
      const matrix = combinations[i]!;
      if (failed && failFast) {
        runs[i] = emptyRun(
          `${job.id.value} (${Object.values(matrix).map(String).join(', ')})`,
          matrix,
          'cancelled',
          permissions,
        );
        continue;
      }
      const strategyContext = {
        'fail-fast': failFast,
        'job-index': i,
        'job-total': combinations.length,
        'max-parallel': maxParallel,
      };
      runs[i] = await runJobInstance(
        job,
        raw,
        id,
        { ...contexts, matrix, strategy: strategyContext },
        permissions,
        scope,
        state,
        controllers[i]!,
      );
      if (runs[i]!.result === 'failure') {
        failed = true;
        if (failFast) controllers.forEach((c, j) => j !== i && c.abort());
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(maxParallel, combinations.length)) }, worker));
  const outputs = Object.assign({}, ...runs.map((r) => r.outputs)) as Record<string, string>;
  return record({ id, result: aggregate(runs.map((r) => r.result)), outputs, runs });
}

function emptyRun(
  name: string,
  matrix: Record<string, Value>,
  result: Result,
  permissions: Permissions,
): JobRun {
  return {
    name,
    matrix,
    result,
    outputs: {},
    steps: [],
    summary: '',
    errors: [],
    log: [],
    permissions,
    durationMs: 0,
  };
}

/** A job that calls a reusable workflow: its inputs and secrets evaluated here, its jobs run nested. */
async function runCaller(
  job: ReusableWorkflowJob,
  id: string,
  contexts: Record<string, Value>,
  permissions: Permissions,
  scope: WorkflowScope,
  state: RunState,
): Promise<JobResult> {
  const uses = job.ref.value;
  const own = /^[\w.-]+\/slipway\/(\.github\/workflows\/[\w.-]+\.ya?ml)@[\w./-]+$/.exec(uses);
  let called: LoadedWorkflow;
  if (own) called = await loadWorkflow(join(state.slipway, own[1]!));
  else if (uses.startsWith('./')) {
    const content = await gitShow(state.options.repo, state.options.event.sha, uses.slice(2));
    called = await loadWorkflow(uses, content);
  } else throw new RunnerError('action', `${id}: reusable workflow ${uses} is not one this runner can find.`);
  const given = evaluateToken(job['input-values'], {
    contexts: { ...contexts, secrets: scope.call.secrets },
  });
  const inputs = callInputs(called, (given ?? {}) as Record<string, Value>, { github: state.github }, id);
  const secrets = job['inherit-secrets']
    ? scope.call.secrets
    : {
        GITHUB_TOKEN: scope.call.secrets.GITHUB_TOKEN ?? '',
        ...stringMap(
          evaluateToken(job['secret-values'], { contexts: { ...contexts, secrets: scope.call.secrets } }),
          `${id} secrets`,
        ),
      };
  for (const [name, config] of Object.entries(called.template.events.workflow_call?.secrets ?? {})) {
    if (config.required && !secrets[name])
      throw new RunnerError('input', `${id}: secret "${name}" is required by ${uses}.`);
  }
  let release: (() => void) | undefined;
  if (job.concurrency) {
    const { group, cancelInProgress } = concurrencyOf(evaluateToken(job.concurrency, { contexts }));
    release = await state.concurrency.acquire(group, id, cancelInProgress, () => (state.cancelled = true));
    if (!release) return { id, result: 'cancelled', outputs: {}, runs: [] };
  }
  try {
    const outputs = await runCalled(called, state, { prefix: `${id}/`, inputs, secrets, cap: permissions });
    const nested = Object.values(state.jobs).filter(
      (j) => j.id.startsWith(`${id}/`) && !j.id.slice(id.length + 1).includes('/'),
    );
    return { id, result: aggregate(nested.map((j) => j.result)), outputs, runs: [] };
  } finally {
    release?.();
  }
}

async function gitShow(repo: string, sha: string, path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', ['show', `${sha}:${path}`], { cwd: repo });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('close', (code) =>
      code === 0
        ? resolvePromise(out)
        : reject(new RunnerError('workflow', `${path} is not in ${repo} at ${sha}.`)),
    );
  });
}

function log(state: RunState, job: string, line: string): void {
  state.options.log?.(`[${job}] ${mask(state, line)}`);
}

function mask(state: RunState, text: string): string {
  return state.masks.reduce((t, secret) => t.split(secret).join('***'), text);
}

/** The OIDC subject GitHub puts in a job's token (the claim an IAM trust policy matches). */
function subjectOf(event: WorkflowEvent, environment: string | undefined): string {
  const repo = `repo:${event.repository}`;
  if (environment) return `${repo}:environment:${environment}`;
  if (event.name === 'pull_request') return `${repo}:pull_request`;
  return `${repo}:ref:${event.ref}`;
}

async function runJobInstance(
  job: Extract<WorkflowJob, { type: 'job' }>,
  raw: TemplateToken | undefined,
  id: string,
  contexts: Record<string, Value>,
  permissions: Permissions,
  scope: WorkflowScope,
  state: RunState,
  controller: AbortController,
): Promise<JobRun> {
  const values = Object.values(contexts.matrix as object).map((v) =>
    typeof v === 'object' ? JSON.stringify(v) : String(v),
  );
  // GitHub names a matrix job without a name "<id> (<values>)".
  const named = child(raw, 'name');
  const name = named
    ? asString(evaluateToken(named, { contexts }), `${id} name`)
    : values.length
      ? `${job.id.value} (${values.join(', ')})`
      : job.id.value;
  const title = values.length ? `${id} (${named ? name : values.join(', ')})` : id;
  const run = emptyRun(name, contexts.matrix as Record<string, Value>, 'success', permissions);
  const fail = (message: string) => {
    run.errors.push(message);
    run.log.push(`✖ ${message}`);
    log(state, title, `✖ ${message}`);
  };
  let release: (() => void) | undefined;
  if (job.concurrency) {
    const { group, cancelInProgress } = concurrencyOf(evaluateToken(job.concurrency, { contexts }));
    release = await state.concurrency.acquire(group, title, cancelInProgress, () => controller.abort());
    if (!release) return { ...run, result: 'cancelled' };
  }
  let environment: EnvironmentRecord | undefined;
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'slipway-job-'));
  try {
    if (controller.signal.aborted) {
      run.result = 'cancelled';
      return run;
    }
    // The name is known before the job starts; the url only once its steps have run.
    const environmentUrl = child(job.environment, 'url');
    const environmentName = asString(
      evaluateToken(
        environmentUrl !== undefined || child(job.environment, 'name')
          ? child(job.environment, 'name')
          : job.environment,
        { contexts },
      ),
      `${id} environment`,
    );
    if (environmentName) {
      environment = { job: title, name: environmentName, approved: true };
      state.environments.push(environment);
      environment.approved =
        (await state.options.hooks?.approve?.({ job: title, environment: environmentName })) ?? true;
      if (!environment.approved) {
        fail(`The deployment to ${environmentName} was rejected.`);
        run.result = 'failure';
        return run;
      }
    }
    const workspace = join(dir, 'workspace');
    const temp = join(dir, 'temp');
    await Promise.all([workspace, temp].map((d) => mkdir(d, { recursive: true })));
    const secrets = scope.call.secrets;
    const jobEnv = {
      ...scope.env,
      ...stringMap(
        evaluateToken(job.env, { contexts: { ...contexts, secrets, env: scope.env } }),
        `${id} env`,
      ),
    };
    const defaults = child(child(raw, 'defaults'), 'run') ?? scope.defaults;
    const exported: Record<string, string> = {};
    const paths: string[] = [];
    const steps: Record<string, { outputs: Record<string, string>; outcome: Result; conclusion: Result }> =
      {};
    const posts: (() => Promise<void>)[] = [];
    let jobStatus: Result = 'success';
    const machine = machineEnv(state.options.env);
    const timeout = child(raw, 'timeout-minutes');
    const jobTimer = timeout
      ? setTimeout(() => controller.abort(), Number(evaluateToken(timeout, { contexts })) * 60_000)
      : undefined;
    const runnerContext = {
      os: 'Linux',
      arch: 'X64',
      name: 'slipway-runner',
      temp,
      tool_cache: join(dir, 'tool-cache'),
      environment: 'github-hosted',
    };
    // GitHub fetches every action of a job before its first step: an unknown one stops the run even on a
    // step that would be skipped.
    for (const step of job.steps)
      if ('uses' in step) resolveAction(step.uses.value, state.slipway, state.distDir);
    for (const [index, step] of job.steps.entries()) {
      if (controller.signal.aborted && jobStatus !== 'cancelled') jobStatus = 'cancelled';
      const stepRaw = sequenceItem(child(raw, 'steps'), index);
      checkKeys(stepRaw, STEP_KEYS, `${id} step ${index + 1}`);
      const env = { ...jobEnv, ...exported };
      const stepContexts = {
        ...contexts,
        secrets,
        steps,
        env,
        job: { status: jobStatus },
        runner: runnerContext,
      };
      const status = {
        success: () => jobStatus === 'success',
        failure: () => jobStatus === 'failure',
        cancelled: () => jobStatus === 'cancelled',
      };
      const stepName = stepTitle(step, stepContexts);
      const result: StepResult = {
        id: step.id,
        name: stepName,
        outcome: 'skipped',
        conclusion: 'skipped',
        outputs: {},
      };
      run.steps.push(result);
      if (!('run' in step) && !('uses' in step))
        throw new RunnerError('keyword', `${id}: step ${stepName} is neither run nor uses.`);
      const ifExpression = step.if?.expression ?? 'success()';
      if (!condition(ifExpression, { contexts: stepContexts, status })) {
        steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
        continue;
      }
      const stepEnv = {
        ...env,
        ...stringMap(evaluateToken(step.env, { contexts: stepContexts }), `${stepName} env`),
      };
      const files = {
        GITHUB_OUTPUT: join(temp, `output-${index}`),
        GITHUB_ENV: join(temp, `env-${index}`),
        GITHUB_PATH: join(temp, `path-${index}`),
        GITHUB_STEP_SUMMARY: join(temp, `summary-${index}`),
        GITHUB_STATE: join(temp, `state-${index}`),
      };
      await Promise.all(Object.values(files).map((file) => writeFile(file, '')));
      const processEnv: Record<string, string> = {
        ...machine,
        ...githubEnv(state, job.id.value, workspace, temp, step),
        ...files,
        ...stepEnv,
        PATH: [...paths, machine.PATH ?? ''].join(delimiter),
      };
      const print = (line: string) => {
        const masked = mask(state, line);
        run.log.push(masked);
        if (masked.startsWith('✖ ')) run.errors.push(masked.slice(2));
        log(state, title, masked);
      };
      let ok: boolean;
      const minutes = child(stepRaw, 'timeout-minutes');
      const signal = minutes
        ? AbortSignal.any([
            controller.signal,
            AbortSignal.timeout(Number(evaluateToken(minutes, { contexts: stepContexts })) * 60_000),
          ])
        : controller.signal;
      try {
        if ('run' in step) {
          const script = asString(evaluateToken(step.run, { contexts: stepContexts }), `${stepName} run`);
          const shell = asString(
            evaluateToken(child(stepRaw, 'shell') ?? child(defaults, 'shell'), { contexts: stepContexts }),
            'shell',
          );
          const directory = asString(
            evaluateToken(child(stepRaw, 'working-directory') ?? child(defaults, 'working-directory'), {
              contexts: stepContexts,
            }),
            'working-directory',
          );
          ok =
            (await runScript(
              script,
              shell,
              resolve(workspace, directory),
              processEnv,
              temp,
              print,
              signal,
            )) === 0;
        } else {
          const uses = asString(evaluateToken(step.uses, { contexts: stepContexts }), `${stepName} uses`);
          const given = stringMap(
            evaluateToken(child(stepRaw, 'with'), { contexts: stepContexts }),
            `${stepName} with`,
          );
          const action = resolveAction(uses, state.slipway, state.distDir);
          if (action.kind === 'stand-in') {
            const done = await action.standIn.run(standInInputs(action, given), {
              job: title,
              workspace,
              repository: state.options.repo,
              sha: state.options.event.sha,
              ref: state.options.event.ref,
              permissions,
              subject: subjectOf(state.options.event, environment?.name),
              endpoints: state.options.endpoints ?? {},
              machine,
              assumeRole: async (request) => {
                state.roles.push(request);
                await state.options.hooks?.assumeRole?.(request);
              },
            });
            await writeFile(
              files.GITHUB_OUTPUT,
              Object.entries(done.outputs)
                .map(([k, v]) => `${k}<<EOF_RUNNER\n${v}\nEOF_RUNNER\n`)
                .join(''),
            );
            await writeFile(files.GITHUB_PATH, (done.path ?? []).map((dir) => `${dir}\n`).join(''));
            await writeFile(
              files.GITHUB_ENV,
              Object.entries(done.env)
                .map(([k, v]) => `${k}<<EOF_RUNNER\n${v}\nEOF_RUNNER\n`)
                .join(''),
            );
            ok = true;
          } else {
            const unknown = Object.keys(given).filter((key) => !(key in action.spec.inputs));
            if (unknown.length) throw new RunnerError('input', `${uses} has no input ${unknown.join(', ')}.`);
            const inputEnv: Record<string, string> = {};
            for (const [key, spec] of Object.entries(action.spec.inputs)) {
              const value = given[key] ?? spec.default;
              if (value !== undefined) {
                if (value.includes('${{'))
                  throw new RunnerError(
                    'expression',
                    `${uses}: expressions in action.yml defaults are not implemented.`,
                  );
                inputEnv[inputVariable(key)] = value;
              }
            }
            const actionEnv = {
              ...processEnv,
              ...inputEnv,
              GITHUB_ACTION_PATH: join(state.slipway, 'actions', action.name),
              GITHUB_ACTION_REPOSITORY: uses.split('/').slice(0, 2).join('/'),
            };
            ok = (await runBundle(action.spec.bundle, actionEnv, print, { cwd: workspace, signal })) === 0;
            if (action.spec.hasPost) {
              const stateFile = files.GITHUB_STATE;
              posts.unshift(async () => {
                const saved = parseFileCommands(await readFile(stateFile, 'utf8'));
                const postEnv = {
                  ...actionEnv,
                  ...Object.fromEntries(Object.entries(saved).map(([k, v]) => [`STATE_${k}`, v])),
                };
                const code = await runBundle(action.spec.bundle, postEnv, print, { cwd: workspace });
                if (code !== 0) jobStatus = 'failure';
              });
            }
          }
        }
      } catch (error) {
        if (error instanceof RunnerError) throw error;
        fail(`${stepName}: ${(error as Error).message}`);
        ok = false;
      }
      if (signal.aborted && !ok) result.outcome = controller.signal.aborted ? 'cancelled' : 'failure';
      else result.outcome = ok ? 'success' : 'failure';
      result.outputs = parseFileCommands(await readFile(files.GITHUB_OUTPUT, 'utf8'));
      Object.assign(exported, parseFileCommands(await readFile(files.GITHUB_ENV, 'utf8')));
      paths.unshift(...(await readFile(files.GITHUB_PATH, 'utf8')).split('\n').filter(Boolean).reverse());
      run.summary += await readFile(files.GITHUB_STEP_SUMMARY, 'utf8');
      const continueOnError = step['continue-on-error'];
      const tolerated =
        typeof continueOnError === 'boolean'
          ? continueOnError
          : continueOnError
            ? Boolean(evaluateToken(continueOnError, { contexts: stepContexts }))
            : false;
      result.conclusion = result.outcome === 'failure' && tolerated ? 'success' : result.outcome;
      steps[step.id] = { outputs: result.outputs, outcome: result.outcome, conclusion: result.conclusion };
      if (result.conclusion === 'failure' && jobStatus === 'success') jobStatus = 'failure';
      if (result.conclusion === 'cancelled') jobStatus = 'cancelled';
    }
    for (const post of posts) await post();
    if (jobTimer) clearTimeout(jobTimer);
    const outputContexts = {
      ...contexts,
      secrets,
      steps,
      job: { status: jobStatus },
      runner: runnerContext,
      env: jobEnv,
    };
    run.outputs = stringMap(evaluateToken(job.outputs, { contexts: outputContexts }), `${id} outputs`);
    if (environment && environmentUrl) {
      environment.url = asString(
        evaluateToken(environmentUrl, { contexts: outputContexts }),
        `${id} environment.url`,
      );
    }
    run.result = jobStatus;
    return run;
  } finally {
    run.durationMs = Date.now() - started;
    log(state, title, `${run.result} in ${run.durationMs} ms`);
    release?.();
    await rm(dir, { recursive: true, force: true });
  }
}

function sequenceItem(token: TemplateToken | undefined, index: number): TemplateToken | undefined {
  return token && libraries().parser.isSequence(token) && index < token.count ? token.get(index) : undefined;
}

function stepTitle(step: Step, contexts: Record<string, Value>): string {
  if (step.name) return asString(evaluateToken(step.name, { contexts }), 'step name');
  if ('uses' in step) return `Run ${step.uses.value}`;
  if ('run' in step)
    return `Run ${asString(evaluateToken(step.run, { contexts }), 'run').trim().split('\n')[0]}`;
  return step.id;
}

/** The runner machine's own variables: PATH and the like from this process, never its AWS or GitHub settings. */
function machineEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'USER', 'TMPDIR', 'TZ']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return {
    ...env,
    AWS_CONFIG_FILE: '/nonexistent/slipway-runner/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/slipway-runner/aws-credentials',
    AWS_PAGER: '',
    ...extra,
  };
}

function githubEnv(
  state: RunState,
  job: string,
  workspace: string,
  temp: string,
  step: Step,
): Record<string, string> {
  const g = state.github;
  const text = (key: string) => String(g[key] ?? '');
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: text('actor'),
    GITHUB_API_URL: text('api_url'),
    GITHUB_BASE_REF: text('base_ref'),
    GITHUB_EVENT_NAME: text('event_name'),
    GITHUB_EVENT_PATH: state.eventPath,
    GITHUB_HEAD_REF: text('head_ref'),
    GITHUB_JOB: job,
    GITHUB_REF: text('ref'),
    GITHUB_REF_NAME: text('ref_name'),
    GITHUB_REF_TYPE: text('ref_type'),
    GITHUB_REPOSITORY: text('repository'),
    GITHUB_REPOSITORY_OWNER: text('repository_owner'),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_NUMBER: '1',
    GITHUB_SERVER_URL: text('server_url'),
    GITHUB_SHA: text('sha'),
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION: step.id,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: temp,
  };
}

/** A `run:` step as GitHub runs it: a script file through `bash -e {0}`, or the shell the step names. */
async function runScript(
  script: string,
  shell: string,
  cwd: string,
  env: Record<string, string>,
  temp: string,
  print: (line: string) => void,
  signal: AbortSignal,
): Promise<number> {
  const file = join(temp, `script-${randomBytes(6).toString('hex')}.sh`);
  await writeFile(file, script);
  const command =
    shell === ''
      ? 'bash -e {0}'
      : shell === 'bash'
        ? 'bash --noprofile --norc -eo pipefail {0}'
        : shell === 'sh'
          ? 'sh -e {0}'
          : shell;
  if (!command.includes('{0}'))
    throw new RunnerError('keyword', `shell "${shell}" is not one this runner implements.`);
  const [program, ...args] = command.split(' ').map((part) => part.replace('{0}', file));
  // Its own process group, so a cancellation reaches the script's children as GitHub's does (SIGINT, then
  // SIGKILL after 7.5 s), and bash does not wait out a foreground command that ignored it.
  const child = spawn(program!, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // Already gone.
    }
  };
  let hard: NodeJS.Timeout | undefined;
  const cancel = () => {
    kill('SIGINT');
    hard = setTimeout(() => kill('SIGKILL'), 7_500);
  };
  if (signal.aborted) cancel();
  else signal.addEventListener('abort', cancel, { once: true });
  child.on('close', () => {
    signal.removeEventListener('abort', cancel);
    clearTimeout(hard);
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      const readable = readableLine(line);
      if (readable !== undefined) print(readable);
    });
  }
  return new Promise((done) => child.on('close', (code, sig) => done(code ?? (sig ? 1 : 0))));
}
