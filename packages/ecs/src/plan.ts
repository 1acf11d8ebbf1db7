import type { Service } from '@aws-sdk/client-ecs';
import { SlipwayError, Summary } from '@slipway/kit';
import { PREVENTED_CAUSE, PreflightCheck } from './preflight';
import { TaskDefinitionInput } from './taskdef';

/** enforce: a failed check stops the deploy; warn: it is reported and the deploy goes on; off: no checks. */
export type PreflightMode = 'enforce' | 'warn' | 'off';

export interface ServicePlan {
  service: string;
  /** The revision running now. */
  from: string;
  /** The revision it would run: an existing ARN, or "a new revision of <family>". */
  to: string;
  /** The task definition's diff: path, value before, value after. */
  diff: { path: string; before: string; after: string }[];
  /** The service settings UpdateService would change, as "setting: before → after". */
  settings: string[];
  images: { container: string; image: string; digest?: string }[];
}

export interface DeployPlan {
  preflight: PreflightMode;
  services: ServicePlan[];
  checks: PreflightCheck[];
}

export interface PlanInput {
  service: Service;
  live: TaskDefinitionInput;
  target: TaskDefinitionInput;
  targetArn?: string;
  changes: string[];
  desiredCount?: number;
  forceNewDeployment: boolean;
}

/** What the deploy would do to one service, with the images' digests as pre-flight found them. */
export function servicePlan(input: PlanInput, checks: PreflightCheck[]): ServicePlan {
  const name = input.service.serviceName!;
  const from = input.service.taskDefinition!;
  const newRevision = !input.targetArn;
  const to = input.targetArn ?? `a new revision of ${input.target.family}`;
  const settings: string[] = [];
  if (input.targetArn !== from) {
    settings.push(`taskDefinition: ${short(from)} → ${newRevision ? to : short(input.targetArn)}`);
  }
  if (input.desiredCount !== undefined && input.desiredCount !== input.service.desiredCount) {
    settings.push(`desiredCount: ${input.service.desiredCount} → ${input.desiredCount}`);
  }
  if (input.forceNewDeployment) settings.push('forceNewDeployment: a new deployment restarts every task');
  const digestOf = (container: string) =>
    checks.find((c) => c.kind === 'image' && c.service === name && c.container === container)?.digest;
  return {
    service: name,
    from,
    to,
    diff: input.changes.map((path) => ({
      path,
      before: shown(valueAt(input.live, path)),
      after: shown(valueAt(input.target, path)),
    })),
    settings,
    images: (input.target.containerDefinitions ?? []).map((c) => ({
      container: c.name!,
      image: c.image ?? '',
      digest: digestOf(c.name!),
    })),
  };
}

const short = (arn: string | undefined) => (arn ? `${arn.split('/').pop()}` : '—');

/** A value under a diff path such as containerDefinitions[web].environment[PORT].value. */
function valueAt(root: unknown, path: string): unknown {
  const steps = path.match(/[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let value: unknown = root;
  for (const step of steps) {
    if (value === undefined || value === null) return undefined;
    if (step.startsWith('[')) {
      const key = step.slice(1, -1);
      value = Array.isArray(value)
        ? value.find((item) => (item as { name?: string })?.name === key)
        : undefined;
    } else value = (value as Record<string, unknown>)[step];
  }
  return value;
}

function shown(value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

const statusIcons: Record<PreflightCheck['status'], string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  unchecked: '⚠️ not checked',
};

/**
 * A step output reaches the next step's inputs as an environment variable, which Linux caps at 128 KiB:
 * 40,000 characters fit however many bytes each takes, and a pull request comment holds them too.
 */
export const PLAN_OUTPUT_LIMIT = 40_000;
const CUT = '\n\n_…the plan is longer than an output carries; the whole plan is in the job summary._';

/** The plan as Markdown for the `plan` output: whole when it fits, else cut with a line saying so. */
export function planMarkdown(plan: DeployPlan): string {
  const markdown = appendPlan(new Summary(), plan, 'Plan of the ECS deploy').toMarkdown();
  return markdown.length <= PLAN_OUTPUT_LIMIT
    ? markdown
    : `${markdown.slice(0, PLAN_OUTPUT_LIMIT - CUT.length)}${CUT}`;
}

/** The plan as the job summary opens with it: per service, settings, diff and images; then pre-flight. */
export function appendPlan(summary: Summary, plan: DeployPlan, heading = 'Plan'): Summary {
  summary.heading(heading, 3);
  for (const s of plan.services) {
    summary.paragraph(
      `**${s.service}**: ${s.settings.length ? s.settings.map((x) => `\`${x}\``).join('; ') : 'no service setting changes'}`,
    );
    if (s.diff.length) {
      summary.details(
        `${s.service}: task definition diff (${s.diff.length})`,
        [
          '| Path | Before | After |',
          '| --- | --- | --- |',
          ...s.diff.map((d) => `| \`${d.path}\` | ${cell(d.before)} | ${cell(d.after)} |`),
        ].join('\n'),
      );
    }
    summary.table(
      ['Container', 'Image', 'Digest'],
      s.images.map((i) => [i.container, i.image, i.digest ?? '—']),
    );
  }
  if (plan.preflight === 'off') {
    summary.paragraph('Pre-flight checks: off.');
    return summary;
  }
  const failed = plan.checks.filter((c) => c.status === 'failed');
  const unchecked = plan.checks.filter((c) => c.status === 'unchecked');
  summary.paragraph(
    `**Pre-flight** (${plan.preflight}): ${plan.checks.length - failed.length - unchecked.length} passed, ${failed.length} failed, ${unchecked.length} not checked.`,
  );
  if (plan.checks.length) {
    summary.table(
      ['Service', 'Check', 'Container', 'Resource', 'Result', 'Detail'],
      plan.checks.map((c) => [
        c.service,
        c.kind,
        c.container ?? '—',
        c.resource,
        c.code ? `${statusIcons[c.status]} ${c.code}` : statusIcons[c.status],
        c.detail,
      ]),
    );
  }
  const prevented = [...new Set(failed.map((c) => PREVENTED_CAUSE[c.kind]))];
  if (prevented.length) {
    summary.paragraph(
      `**Prevented** (causes from the ECS Fargate deployment guide's troubleshooting that this deploy would have met after a failed rollout):\n${prevented.map((p) => `- ${p}`).join('\n')}`,
    );
  }
  return summary;
}

const cell = (text: string) => `\`${text.replace(/\|/g, '\\|').replace(/`/g, "'")}\``;

/** The step's error when pre-flight stops the deploy: the first failed check, and all of them as evidence. */
export function preflightFailure(plan: DeployPlan): SlipwayError | undefined {
  const failed = plan.checks.filter((c) => c.status === 'failed');
  const first = failed[0];
  if (!first) return undefined;
  const where = first.container
    ? `container "${first.container}" of service "${first.service}"`
    : `service "${first.service}"`;
  return new SlipwayError(
    first.code!,
    `Pre-flight check failed for ${where}: ${first.kind} ${first.resource} — ${first.detail}. Nothing was registered or updated. Prevented: ${PREVENTED_CAUSE[first.kind]}.`,
    {
      remedy: first.remedy,
      evidence: failed.map(
        (c) =>
          `${c.code} ${c.service}${c.container ? `/${c.container}` : ''} ${c.kind} ${c.resource}: ${c.detail}`,
      ),
    },
  );
}

/** One log line per check that did not pass. */
export function preflightNotes(plan: DeployPlan): { failed: string[]; unchecked: string[] } {
  const line = (c: PreflightCheck) =>
    `${c.service}${c.container ? `/${c.container}` : ''}: ${c.kind} ${c.resource} — ${c.detail}`;
  return {
    failed: plan.checks.filter((c) => c.status === 'failed').map((c) => `${c.code} ${line(c)}`),
    unchecked: plan.checks
      .filter((c) => c.status === 'unchecked')
      .map((c) => `pre-flight could not check ${line(c)}`),
  };
}
