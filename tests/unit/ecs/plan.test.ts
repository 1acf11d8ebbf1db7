import { PLAN_OUTPUT_LIMIT, appendPlan, planMarkdown, type DeployPlan } from '@slipway/ecs/src/plan';
import { Summary } from '@slipway/kit';

const planWith = (diffRows: number): DeployPlan => ({
  preflight: 'enforce',
  checks: [],
  services: [
    {
      service: 'web',
      from: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7',
      to: 'a new revision of web',
      settings: [],
      images: [{ container: 'app', image: 'deals/app:sha-1', digest: 'sha256:abc' }],
      diff: Array.from({ length: diffRows }, (_, i) => ({
        path: `containerDefinitions[0].environment.FEATURE_${i}`,
        before: 'é'.repeat(40),
        after: '名'.repeat(40),
      })),
    },
  ],
});

test('a plan that fits is the output whole, as the summary shows it', () => {
  const plan = planWith(3);
  expect(planMarkdown(plan)).toBe(appendPlan(new Summary(), plan, 'Plan of the ECS deploy').toMarkdown());
});

test('a longer plan is cut to what an output can carry into the next step, saying where the whole plan is', () => {
  const plan = planWith(2000);
  const whole = appendPlan(new Summary(), plan, 'Plan of the ECS deploy').toMarkdown();
  const output = planMarkdown(plan);
  expect(whole.length).toBeGreaterThan(PLAN_OUTPUT_LIMIT);
  expect(output.length).toBe(PLAN_OUTPUT_LIMIT);
  // As the environment variable the runner passes it in, under Linux's 128 KiB for one.
  expect(Buffer.byteLength(`INPUT_PRODUCTION-PLAN=${output}`)).toBeLessThan(128 * 1024);
  expect(output.startsWith(whole.slice(0, 1000))).toBe(true);
  expect(output).toMatch(/the whole plan is in the job summary\._$/);
});
