/**
 * What preview.yml hands preview-comment as "production-plan", evaluated with GitHub's own expression
 * engine for each way the run can go, and the comment it makes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { previewCommentBody } from '@slipway/pipeline';
import { evaluate } from '@slipway/runner';
import { loadLibraries } from '@slipway/runner/src/libraries';
import { parse } from 'yaml';

interface Step {
  id?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
}
const workflow = parse(
  readFileSync(join(__dirname, '..', '..', '..', '.github', 'workflows', 'preview.yml'), 'utf8'),
) as { jobs: { preview: { steps: Step[] } } };
const steps = workflow.jobs.preview.steps;
const comment = steps.filter((s) => s.uses?.includes('/actions/preview-comment@')).at(-1)!;
const expression = /^\$\{\{([^]*)\}\}$/.exec(comment.with!['production-plan']!.trim())![1]!;

beforeAll(() => loadLibraries());

const configured = {
  'production-cluster': 'deals-production',
  'production-plan-role': 'arn:aws:iam::1:role/p',
};
const productionPlan = (inputs: Record<string, string>, outcomes: Record<string, string>, plan = '') =>
  evaluate(expression, {
    contexts: {
      inputs: { 'production-cluster': '', 'production-plan-role': '', ...inputs },
      steps: {
        image: { outcome: outcomes.image ?? 'success', outputs: {} },
        'production-plan': { outcome: outcomes.plan ?? 'skipped', outputs: plan ? { plan } : {} },
      },
    },
  }) as string;

test('a plan made is the comment’s production plan, folded under the table', () => {
  const plan = '### Plan of the ECS deploy\n\n**api**: `taskDefinition: api:1 → a new revision of api`';
  const text = productionPlan(configured, { plan: 'success' }, plan);
  expect(text).toBe(plan);
  expect(previewCommentBody({ service: 'api', status: 'ready', productionPlan: text })).toContain(
    `<details><summary>Plan of the production deploy</summary>\n\n${plan}\n\n</details>`,
  );
});

test.each<[string, Record<string, string>, Record<string, string>, RegExp]>([
  ['no production inputs', {}, {}, /no production-cluster and production-plan-role/],
  ['a role but no cluster', { 'production-plan-role': 'arn:aws:iam::1:role/p' }, {}, /no production-cluster/],
  ['no image built', configured, { image: 'failure' }, /the image was not built/],
  ['the plan step failed', configured, { plan: 'failure' }, /its step failed \(see the workflow run\)/],
])('%s: the comment says the plan was not made, and why', (_, inputs, outcomes, why) => {
  const text = productionPlan(inputs, outcomes);
  expect(text).toMatch(/^_The plan of the production deploy was not made: /);
  expect(text).toMatch(why);
  expect(previewCommentBody({ service: 'api', status: 'ready', productionPlan: text })).toContain(text);
});

test('the plan runs only with both inputs, after the image, under its own role, and can fail no preview', () => {
  const planner = steps.find((s) => s.id === 'planner')!;
  const plan = steps.find((s) => s.id === 'production-plan')!;
  expect(planner.if).toContain("inputs.production-plan-role != '' && inputs.production-cluster != ''");
  expect(planner.if).toContain("steps.image.outcome == 'success'");
  expect(planner.with!['role-to-assume']).toBe('${{ inputs.production-plan-role }}');
  expect(plan.if).toContain("steps.planner.outcome == 'success'");
  expect(plan.with).toMatchObject({ cluster: '${{ inputs.production-cluster }}', plan: true });
  for (const step of [planner, plan]) expect(step).toMatchObject({ 'continue-on-error': true });
  // After the plan's role, no step of the job calls AWS.
  expect(
    steps.slice(steps.indexOf(plan) + 1).every((s) => s.uses?.includes('/actions/preview-comment@')),
  ).toBe(true);
});
