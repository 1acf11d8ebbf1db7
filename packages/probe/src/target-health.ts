import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsErrorName } from '@slipway/kit';
import { Check, Look, check } from './check';
import { Patience, untilDeadline } from './until-deadline';

const NAME = 'target health';

/** Targets on their way out (the old tasks of a deployment): not counted either way. */
const LEAVING = new Set(['draining', 'unhealthy.draining']);

/** `targetgroup/<name>/<id>`, the part of the ARN a person recognises. */
export const targetGroupName = (arn: string): string => arn.slice(arn.indexOf(':targetgroup/') + 1);

/** Every registered target of the group healthy, waiting out `initial` ones until the deadline. */
export async function probeTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  arn: string,
  patience: Patience,
): Promise<Check[]> {
  return untilDeadline(async (): Promise<Look> => {
    try {
      const answer = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      return { checks: [judgeTargets(arn, answer.TargetHealthDescriptions ?? [])] };
    } catch (error) {
      if (awsErrorName(error) !== 'TargetGroupNotFoundException') throw error;
      return { checks: [check(NAME, targetGroupName(arn), false, 'target group not found')], final: true };
    }
  }, patience);
}

export function judgeTargets(arn: string, descriptions: TargetHealthDescription[]): Check {
  const target = targetGroupName(arn);
  const leaving = descriptions.filter((d) => LEAVING.has(d.TargetHealth?.State ?? ''));
  const counted = descriptions.filter((d) => !leaving.includes(d));
  const notHealthy = counted.filter((d) => d.TargetHealth?.State !== 'healthy');
  const aside = leaving.length ? `; ${leaving.length} draining, not counted` : '';
  if (!counted.length) return check(NAME, target, false, `no registered targets${aside}`);
  if (!notHealthy.length) return check(NAME, target, true, `${counted.length} healthy${aside}`);
  const described = notHealthy.map(describeTarget);
  return check(
    NAME,
    target,
    false,
    `${notHealthy.length} of ${counted.length} not healthy: ${described.slice(0, 3).join('; ')}${described.length > 3 ? '; …' : ''}${aside}`,
    described.join('\n'),
  );
}

function describeTarget({ Target, TargetHealth }: TargetHealthDescription): string {
  const where = `${Target?.Id ?? '?'}${Target?.Port ? `:${Target.Port}` : ''}`;
  const why = [TargetHealth?.Reason, TargetHealth?.Description].filter(Boolean).join(': ');
  return `${where} ${TargetHealth?.State ?? 'unknown'}${why ? ` (${why})` : ''}`;
}
