import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Concurrency,
  RunnerError,
  pullRequestEvent,
  pushEvent,
  runWorkflow,
  scheduleEvent,
  workflowDispatchEvent,
} from '@slipway/runner';
import type { RunOptions, WorkflowEvent } from '@slipway/runner';
import { gitRepository, workflowFile } from './helpers';

const CHECKOUT = 'actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09';
const AWS = 'aws-actions/configure-aws-credentials@7474bc4690e29a8392af63c5b98e7449536d5c3a';
const ROLE = 'arn:aws:iam::123456789012:role/deployer';
const SETUP_PYTHON = 'actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c';

let repo: ReturnType<typeof gitRepository>;
let dir: string;

beforeAll(() => {
  repo = gitRepository([
    { 'api/app.txt': 'v1' },
    { 'worker/job.txt': 'v1' },
    { 'api/app.txt': 'v2', '.github/workflows/called.yml': 'placeholder' },
  ]);
});
afterAll(() => repo.remove());
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'slipway-runner-test-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const push = (ref = 'refs/heads/main'): WorkflowEvent =>
  pushEvent({ repository: 'acme/app', ref, before: repo.shas[1]!, after: repo.shas[2]! });

function run(yaml: string, options: Partial<RunOptions> = {}) {
  return runWorkflow({
    workflow: workflowFile(dir, 'caller.yml', yaml),
    event: push(),
    repo: repo.dir,
    ...options,
  });
}

const stepLog = (result: Awaited<ReturnType<typeof run>>, job: string) =>
  result.jobs[job]!.runs.flatMap((r) => r.log);

describe('jobs and steps', () => {
  test('run: steps go through bash -e, with GITHUB_OUTPUT, ENV, PATH and STEP_SUMMARY between them', async () => {
    const result = await run(`
on: push
permissions: {}
env: { LEVEL: workflow, KEEP: workflow }
defaults: { run: { working-directory: sub } }
jobs:
  build:
    runs-on: ubuntu-latest
    env: { LEVEL: job }
    outputs:
      tag: \${{ steps.tag.outputs.tag }}
      multi: \${{ steps.tag.outputs.multi }}
    steps:
      - run: mkdir -p sub
        working-directory: .
      - id: tag
        run: |
          echo "tag=sha-\${GITHUB_SHA::7}" >> "$GITHUB_OUTPUT"
          printf 'multi<<END\\nline 1\\nline 2\\nEND\\n' >> "$GITHUB_OUTPUT"
          echo "FROM_ENV_FILE=yes" >> "$GITHUB_ENV"
          mkdir -p "$RUNNER_TEMP/bin" && printf '#!/bin/sh\\necho tool ran\\n' > "$RUNNER_TEMP/bin/mytool" && chmod +x "$RUNNER_TEMP/bin/mytool"
          echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
          echo "## Built" >> "$GITHUB_STEP_SUMMARY"
      - env: { LEVEL: step }
        run: |
          echo "level=$LEVEL keep=$KEEP file=$FROM_ENV_FILE dir=$(basename "$PWD")"
          mytool
      - run: |
          false
          echo "never printed"
      - if: always()
        run: echo "after failure \${{ job.status }} \${{ steps.tag.outcome }}"
`);
    const job = result.jobs.build!;
    expect(job.result).toBe('failure');
    expect(job.outputs).toEqual({ tag: `sha-${repo.shas[2]!.slice(0, 7)}`, multi: 'line 1\nline 2' });
    expect(stepLog(result, 'build')).toEqual([
      'level=step keep=workflow file=yes dir=sub',
      'tool ran',
      'after failure failure success',
    ]);
    expect(job.runs[0]!.summary).toBe('## Built\n');
    expect(job.runs[0]!.steps.map((s) => s.outcome)).toEqual([
      'success',
      'success',
      'success',
      'failure',
      'success',
    ]);
    expect(result.conclusion).toBe('failure');
  });

  test('shell: bash runs with pipefail, the default shell without', async () => {
    const result = await run(`
on: push
permissions: {}
jobs:
  pipes:
    runs-on: ubuntu-latest
    steps:
      - id: plain
        continue-on-error: true
        run: false | true
      - id: strict
        continue-on-error: true
        shell: bash
        run: false | true
      - run: echo "\${{ steps.plain.outcome }} \${{ steps.strict.outcome }} \${{ steps.strict.conclusion }}"
`);
    expect(stepLog(result, 'pipes')).toEqual(['success failure success']);
    expect(result.jobs.pipes!.result).toBe('success');
  });

  test('needs and job if: a failure skips the dependants, failure() and always() run, results are read', async () => {
    const result = await run(`
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps: [{ run: exit 3 }]
  b:
    needs: a
    runs-on: ubuntu-latest
    steps: [{ run: echo b }]
  c:
    needs: b
    if: always()
    runs-on: ubuntu-latest
    steps: [{ run: 'echo "c sees \${{ needs.b.result }}"' }]
  d:
    needs: [a]
    if: failure()
    runs-on: ubuntu-latest
    steps: [{ run: echo d }]
  e:
    needs: c
    runs-on: ubuntu-latest
    steps: [{ run: echo e }]
`);
    expect(Object.fromEntries(Object.entries(result.jobs).map(([id, j]) => [id, j.result]))).toEqual({
      a: 'failure',
      b: 'skipped',
      c: 'success',
      d: 'success',
      // success() looks at every ancestor: a failed, so e is skipped though c succeeded.
      e: 'skipped',
    });
    expect(stepLog(result, 'c')).toEqual(['c sees skipped']);
  });

  test('a matrix from fromJSON expands with include; its jobs see matrix and strategy', async () => {
    const result = await run(`
on: push
permissions: {}
jobs:
  select:
    runs-on: ubuntu-latest
    outputs:
      matrix: \${{ steps.m.outputs.matrix }}
    steps:
      - id: m
        run: echo 'matrix={"service":["api","worker"],"include":[{"service":"api","port":8080},{"service":"cron"}]}' >> "$GITHUB_OUTPUT"
  each:
    needs: select
    runs-on: ubuntu-latest
    strategy:
      matrix: \${{ fromJSON(needs.select.outputs.matrix) }}
    steps:
      - run: echo "\${{ matrix.service }} \${{ matrix.port }} \${{ strategy.job-index }}/\${{ strategy.job-total }}"
`);
    const runs = result.jobs.each!.runs;
    expect(runs.map((r) => r.matrix)).toEqual([
      { service: 'api', port: 8080 },
      { service: 'worker' },
      { service: 'cron' },
    ]);
    expect(runs.map((r) => r.log[0])).toEqual(['api 8080 0/3', 'worker  1/3', 'cron  2/3']);
    expect(runs.map((r) => r.name)).toEqual(['each (api, 8080)', 'each (worker)', 'each (cron)']);
  });

  test('fail-fast cancels the other combinations; fail-fast: false lets them finish', async () => {
    const workflow = (failFast: boolean) => `
on: push
permissions: {}
jobs:
  each:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: ${failFast}
      matrix: { n: [1, 2] }
    steps:
      - run: if [ "\${{ matrix.n }}" = 1 ]; then exit 1; fi; sleep 3; echo done
`;
    const fast = await run(workflow(true));
    expect(fast.jobs.each!.runs.map((r) => r.result)).toEqual(['failure', 'cancelled']);
    expect(fast.jobs.each!.result).toBe('failure');
    const slow = await run(workflow(false));
    expect(slow.jobs.each!.runs.map((r) => r.result)).toEqual(['failure', 'success']);
    expect(slow.jobs.each!.runs[1]!.log).toEqual(['done']);
  });
});

describe('events', () => {
  test('push: github context, branch filters, and a checkout at the commit honouring fetch-depth', async () => {
    const workflow = `
on:
  push:
    branches: [main]
permissions: { contents: read }
jobs:
  look:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
        with: { path: shallow }
      - uses: ${CHECKOUT}
        with: { path: full, fetch-depth: 0 }
      - run: |
          echo "\${{ github.event_name }} \${{ github.ref_name }} \${{ github.event.before == '${repo.shas[1]}' }} $GITHUB_REF"
          git -C shallow rev-list --count HEAD
          git -C full rev-list --count HEAD
          git -C full cat-file -t \${{ github.event.before }}
          cat shallow/api/app.txt
`;
    const result = await run(workflow);
    expect(stepLog(result, 'look')).toEqual(['push main true refs/heads/main', '1', '3', 'commit', 'v2']);
    expect(result.jobs.look!.runs[0]!.steps[0]!.outputs.commit).toBe(repo.shas[2]);
    const other = await run(workflow, { event: push('refs/heads/feature') });
    expect(other).toMatchObject({ triggered: false, jobs: {} });
  });

  test('workflow_dispatch: declared inputs with defaults and types; a bad choice or unknown input stops the run', async () => {
    const workflow = `
on:
  workflow_dispatch:
    inputs:
      environment: { type: choice, options: [staging, production], required: true }
      revision: { default: previous }
      dry: { type: boolean, default: false }
permissions: {}
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ inputs.environment }} \${{ inputs.revision }} \${{ inputs.dry }} \${{ github.event.inputs.environment }}"
`;
    const dispatch = (inputs: Record<string, string>) =>
      workflowDispatchEvent({ repository: 'acme/app', ref: 'refs/heads/main', sha: repo.shas[2]!, inputs });
    const result = await run(workflow, { event: dispatch({ environment: 'production', dry: 'true' }) });
    expect(stepLog(result, 'show')).toEqual(['production previous true production']);
    await expect(run(workflow, { event: dispatch({ environment: 'prod' }) })).rejects.toThrow(
      /input "environment" must be one of staging, production, not "prod"/,
    );
    await expect(run(workflow, { event: dispatch({ environment: 'staging', extra: 'x' }) })).rejects.toThrow(
      /unexpected input "extra"/,
    );
  });

  test('pull_request: types filter, the payload, and a fork gets no OIDC token and no secrets', async () => {
    const workflow = `
on:
  pull_request:
    types: [opened, closed]
permissions: { contents: read, id-token: write }
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ github.event.action }} \${{ github.event.pull_request.number }} \${{ github.head_ref }} \${{ secrets.TOKEN != '' }}"
      - uses: ${AWS}
        with: { role-to-assume: ${ROLE}, aws-region: us-east-1 }
`;
    const pr = (action: 'opened' | 'synchronize' | 'closed', fork?: string) =>
      pullRequestEvent({
        repository: 'acme/app',
        action,
        number: 7,
        head: { sha: repo.shas[2]!, ref: 'feature', repository: fork },
        base: { sha: repo.shas[1]!, ref: 'main' },
      });
    const secrets = { TOKEN: 'a-secret' };
    const opened = await run(workflow, { event: pr('opened'), secrets });
    expect(stepLog(opened, 'show')).toEqual(['opened 7 feature true']);
    expect(opened.jobs.show!.result).toBe('success');
    expect(opened.roles).toEqual([
      { job: 'show', role: ROLE, region: 'us-east-1', subject: 'repo:acme/app:pull_request' },
    ]);
    expect((await run(workflow, { event: pr('synchronize'), secrets })).triggered).toBe(false);
    const fork = await run(workflow, { event: pr('opened', 'stranger/app'), secrets });
    expect(stepLog(fork, 'show')[0]).toBe('opened 7 feature false');
    expect(fork.jobs.show!.result).toBe('failure');
    expect(fork.jobs.show!.runs[0]!.permissions).toMatchObject({ contents: 'read', 'id-token': 'none' });
    expect(fork.jobs.show!.runs[0]!.errors.join('\n')).toMatch(/Could not get ID token/);
    expect(fork.roles).toEqual([]);
  });

  test('schedule: runs on the default branch with the cron in the payload', async () => {
    const result = await run(
      `
on:
  schedule: [{ cron: '17 4 * * *' }]
permissions: {}
jobs:
  sweep:
    runs-on: ubuntu-latest
    steps: [{ run: 'echo "\${{ github.event_name }} \${{ github.event.schedule }} \${{ github.ref }}"' }]
`,
      { event: scheduleEvent({ repository: 'acme/app', cron: '17 4 * * *', sha: repo.shas[2]! }) },
    );
    expect(stepLog(result, 'sweep')).toEqual(['schedule 17 4 * * * refs/heads/main']);
  });
});

describe('reusable workflows', () => {
  const called = `
on:
  workflow_call:
    inputs:
      name: { type: string, required: true }
      count: { type: number, default: 2 }
      loud: { type: boolean, default: false }
    secrets:
      token: { required: true }
    outputs:
      greeting:
        value: \${{ jobs.greet.outputs.greeting }}
permissions: {}
jobs:
  greet:
    runs-on: ubuntu-latest
    permissions: { contents: read, id-token: write }
    outputs:
      greeting: \${{ steps.say.outputs.greeting }}
    steps:
      - id: say
        run: echo "greeting=hello \${{ inputs.name }} x\${{ inputs.count }} \${{ inputs.loud }} \${{ secrets.token != '' }}" >> "$GITHUB_OUTPUT"
      - uses: ${AWS}
        with: { role-to-assume: ${ROLE}, aws-region: eu-west-1 }
`;
  const caller = (permissions: string, extra = '') => `
on: push
permissions: ${permissions}
jobs:
  call:
    uses: acme/slipway/.github/workflows/called.yml@v1
    with:
      name: \${{ github.ref_name }}
      loud: \${{ github.ref_name == 'main' }}${extra}
    secrets:
      token: \${{ secrets.TOKEN }}
  after:
    needs: call
    runs-on: ubuntu-latest
    steps: [{ run: 'echo "\${{ needs.call.outputs.greeting }}"' }]
`;
  const slipway = () => {
    const root = mkdtempSync(join(dir, 'slipway-'));
    workflowFile(root, '.github/workflows/called.yml', called);
    return root;
  };

  test('inputs with defaults and types, secrets, outputs; the called jobs are capped by the caller', async () => {
    const root = slipway();
    const result = await run(caller('{ contents: read, id-token: write }'), {
      slipway: root,
      secrets: { TOKEN: 'token-value' },
    });
    expect(result.jobs['call/greet']!.outputs).toEqual({ greeting: 'hello main x2 true true' });
    expect(result.outputs).toEqual({});
    expect(stepLog(result, 'after')).toEqual(['hello main x2 true true']);
    expect(result.jobs.call!.result).toBe('success');
    expect(result.roles[0]).toMatchObject({
      job: 'call/greet',
      subject: 'repo:acme/app:ref:refs/heads/main',
    });

    const capped = await run(caller('{ contents: read }'), {
      slipway: root,
      secrets: { TOKEN: 'token-value' },
    });
    expect(capped.jobs.call!.result).toBe('failure');
    expect(capped.jobs['call/greet']!.runs[0]!.permissions['id-token']).toBe('none');
  });

  test('an undeclared input, a missing required secret or a mistyped input stops the run', async () => {
    const root = slipway();
    await expect(
      run(caller('{}', '\n      colour: red'), { slipway: root, secrets: { TOKEN: 'token-value' } }),
    ).rejects.toThrow(/has no input "colour"/);
    await expect(run(caller('{}'), { slipway: root })).rejects.toThrow(/secret "token" is required/);
    await expect(
      run(caller('{}', "\n      count: 'three'"), { slipway: root, secrets: { TOKEN: 'token-value' } }),
    ).rejects.toThrow(/input "count" of .* is a number; got "three"/);
  });
});

describe('environments, concurrency and permissions', () => {
  test('environment: recorded with its url, approved or rejected by the hook; the OIDC subject names it', async () => {
    const workflow = `
on: push
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions: { id-token: write }
    environment:
      name: production
      url: \${{ steps.url.outputs.url }}
    steps:
      - uses: ${AWS}
        with: { role-to-assume: ${ROLE}, aws-region: us-east-1 }
      - id: url
        run: echo "url=https://app.example.com" >> "$GITHUB_OUTPUT"
`;
    const asked: string[] = [];
    const approved = await run(workflow, {
      hooks: { approve: ({ environment }) => (asked.push(environment), true) },
    });
    expect(asked).toEqual(['production']);
    expect(approved.environments).toEqual([
      { job: 'deploy', name: 'production', url: 'https://app.example.com', approved: true },
    ]);
    expect(approved.roles[0]!.subject).toBe('repo:acme/app:environment:production');
    const rejected = await run(workflow, { hooks: { approve: () => false } });
    expect(rejected.jobs.deploy!.result).toBe('failure');
    expect(rejected.jobs.deploy!.runs[0]!.steps).toEqual([]);
    expect(rejected.roles).toEqual([]);
  });

  test('configure-aws-credentials: needs id-token: write, a role and a region; then points the job at the endpoints', async () => {
    const workflow = (permissions: string, inputs: string) => `
on: push
permissions: ${permissions}
jobs:
  aws:
    runs-on: ubuntu-latest
    steps:
      - uses: ${AWS}
        with: ${inputs}
      - run: echo "$AWS_REGION $AWS_ENDPOINT_URL_ECS $AWS_ENDPOINT_URL \${AWS_ACCESS_KEY_ID:+creds}"
`;
    const endpoints = { aws: 'http://127.0.0.1:1111', services: { ECS: 'http://127.0.0.1:2222' } };
    const ok = await run(
      workflow('{ id-token: write }', `{ role-to-assume: ${ROLE}, aws-region: eu-west-1 }`),
      { endpoints },
    );
    expect(stepLog(ok, 'aws')).toEqual(['eu-west-1 http://127.0.0.1:2222 http://127.0.0.1:1111 creds']);
    const failure = async (permissions: string, inputs: string) => {
      const result = await run(workflow(permissions, inputs));
      expect(result.jobs.aws!.result).toBe('failure');
      expect(result.roles).toEqual([]);
      return result.jobs.aws!.runs[0]!.errors.join('\n');
    };
    expect(await failure('{ contents: read }', `{ role-to-assume: ${ROLE}, aws-region: eu-west-1 }`)).toMatch(
      /lacks "permissions: id-token: write"/,
    );
    expect(await failure('{ id-token: write }', `{ role-to-assume: ${ROLE} }`)).toMatch(/aws-region/);
    expect(await failure('{ id-token: write }', '{ aws-region: eu-west-1 }')).toMatch(/no role-to-assume/);
    const refused = run(
      workflow('{ id-token: write }', `{ role-to-assume: ${ROLE}, aws-region: eu-west-1 }`),
      {
        hooks: {
          assumeRole: ({ subject }) => {
            throw new Error(`not trusted: ${subject}`);
          },
        },
      },
    );
    await expect(refused).resolves.toMatchObject({ jobs: { aws: { result: 'failure' } } });
  });

  test('concurrency: one job per group; cancel-in-progress cancels the running one', async () => {
    const workflow = (cancel: boolean) => `
on: push
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-latest
    concurrency:
      group: deploy-\${{ github.ref_name }}
      cancel-in-progress: ${cancel}
    steps: [{ run: sleep 3 }]
`;
    const shared = new Concurrency();
    const [first, second] = await Promise.all([
      run(workflow(false), { concurrency: shared }),
      new Promise((r) => setTimeout(r, 300)).then(() =>
        runWorkflow({
          workflow: workflowFile(dir, 'second.yml', workflow(false)),
          event: push(),
          repo: repo.dir,
          concurrency: shared,
        }),
      ),
    ]);
    expect([first.jobs.deploy!.result, second.jobs.deploy!.result]).toEqual(['success', 'success']);
    const [a, b] = shared.records;
    expect(b!.waitedFor).toBe('deploy');
    expect(b!.start).toBeLessThan(a!.end!);
    expect(a!.end!).toBeLessThanOrEqual(Date.now());

    const cancelling = new Concurrency();
    const [old, fresh] = await Promise.all([
      run(workflow(true), { concurrency: cancelling }),
      new Promise((r) => setTimeout(r, 500)).then(() =>
        runWorkflow({
          workflow: workflowFile(dir, 'third.yml', workflow(true)),
          event: push(),
          repo: repo.dir,
          concurrency: cancelling,
        }),
      ),
    ]);
    expect(old.jobs.deploy!.result).toBe('cancelled');
    expect(fresh.jobs.deploy!.result).toBe('success');
    expect(cancelling.records.map((r) => r.outcome)).toEqual(['cancelled-running', 'ran']);
  });
});

describe('Slipway actions and loud failures', () => {
  test('our actions run from the bundles with their action.yml defaults', async () => {
    const result = await run(`
on: push
permissions: { contents: read }
jobs:
  select:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
        with: { fetch-depth: 0 }
      - id: select
        uses: acme/slipway/actions/select-services@v1
        with:
          services: |
            - { service: app-api, container: api, repository: app/api, paths: ['api/**'] }
            - { service: app-worker, container: worker, repository: app/worker, paths: ['worker/**'] }
`);
    const outputs = result.jobs.select!.runs[0]!.steps[1]!.outputs;
    expect(result.jobs.select!.result).toBe('success');
    expect(outputs.any).toBe('true');
    expect(JSON.parse(outputs.matrix!).include.map((s: { service: string }) => s.service)).toEqual([
      'app-api',
    ]);
  });

  test.each([
    ['an unknown action', `- uses: someone/else@v1`, /someone\/else@v1: an action this runner does not know/],
    ['an unknown expression function', `- run: echo \${{ hashFiles('x') }}`, /hashFiles/],
    ['an unknown context', `- run: echo \${{ nothing.here }}`, /nothing/],
    ['an unknown step keyword', `- run: echo\n        background: true`, /Unexpected value 'background'/],
    [
      'an undeclared input of a stand-in',
      `- uses: ${CHECKOUT}\n        with: { submodules: true }`,
      /no input submodules/,
    ],
    [
      'an undeclared input of our action',
      `- uses: acme/slipway/actions/select-services@v1\n        with: { colour: red }`,
      /has no input colour/,
    ],
  ])('%s stops the run', async (_what, step, message) => {
    const result = run(`
on: push
permissions: {}
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      ${step}
`);
    await expect(result).rejects.toThrow(RunnerError);
    await expect(result).rejects.toThrow(message);
  });

  test('an unknown action stops the run even on a step that would be skipped', async () => {
    await expect(
      run(`
on: push
permissions: {}
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - run: echo first
      - if: false
        uses: someone/else@v1
`),
    ).rejects.toThrow(/someone\/else@v1: an action this runner does not know/);
  });

  test('setup-python stands in with the machine’s python3, and fails for a version it does not have', async () => {
    const version = execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
    }).trim();
    const workflow = (wanted: string) => `
on: push
permissions: {}
jobs:
  py:
    runs-on: ubuntu-latest
    steps:
      - id: setup
        uses: ${SETUP_PYTHON}
        with: { python-version: '${wanted}' }
      - run: python --version 2>&1 || python3 --version
`;
    const ok = await run(workflow(version));
    expect(ok.jobs.py!.result).toBe('success');
    expect(ok.jobs.py!.runs[0]!.steps[0]!.outputs['python-version']).toMatch(
      new RegExp(`^${version.replace('.', '\\.')}\\.`),
    );
    const missing = await run(workflow('2.7'));
    expect(missing.jobs.py!.result).toBe('failure');
    expect(missing.jobs.py!.runs[0]!.errors.join('\n')).toMatch(
      /The version '2.7' with architecture 'x64' was not found/,
    );
    // The machine's python3 is the first on the runner machine's PATH, as its steps see it.
    const machine = mkdtempSync(join(tmpdir(), 'slipway-runner-python-'));
    try {
      writeFileSync(join(machine, 'python3'), `#!/bin/sh\necho 3.99.1; echo ${machine}/python3\n`, {
        mode: 0o755,
      });
      const other = await run(workflow('3.99'), { env: { PATH: `${machine}:${process.env.PATH}` } });
      expect(other.jobs.py!.runs[0]!.steps[0]!.outputs['python-path']).toBe(join(machine, 'python3'));
    } finally {
      rmSync(machine, { recursive: true, force: true });
    }
  });

  test.each([
    ['a job keyword', '    container: node:20', /"container"/],
    ['a runner label', '    timeout-minutes: 5', /runs-on "self-hosted"/],
  ])('%s the runner does not implement stops the run', async (_what, line, message) => {
    const runsOn = message.source.includes('self-hosted') ? 'self-hosted' : 'ubuntu-latest';
    await expect(
      run(`
on: push
permissions: {}
jobs:
  one:
    runs-on: ${runsOn}
${line}
    steps: [{ run: echo }]
`),
    ).rejects.toThrow(message);
  });
});
