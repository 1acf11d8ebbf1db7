import {
  DescribeInstancesCommand,
  DescribeInstancesCommandInput,
  EC2Client,
  Instance,
} from '@aws-sdk/client-ec2';
import { ConfigurationError, awsErrorName } from '@slipway/kit';
import { TUNNEL } from './codes';

export interface Bastion {
  instanceId: string;
  address: string;
  availabilityZone?: string;
  /** Older running instances the tag also matched, passed over for the newest. */
  passedOver?: string[];
}

/** The tag looked up when neither "bastion-instance-id" nor "bastion-tag" is given. */
export const DEFAULT_BASTION_TAG = 'Name=bastion';

/** `Name=bastion` → the EC2 filter `tag:Name` with that value. */
export function parseTagFilter(raw: string): { key: string; value: string } {
  const at = raw.indexOf('=');
  if (at <= 0 || at === raw.length - 1) {
    throw new ConfigurationError(
      TUNNEL.CONFLICTING_INPUTS,
      `Input "bastion-tag" is not Key=Value: got "${raw}".`,
      {
        remedy: 'Use a tag filter such as Name=bastion.',
      },
    );
  }
  return { key: raw.slice(0, at), value: raw.slice(at + 1) };
}

/**
 * The newest running instance with the tag (or the given id). None running, or several launched at the
 * same newest moment, is an error listing what was found. The state is filtered here rather than by EC2,
 * so that "none running" can name the stopped ones.
 */
export async function findBastion(
  ec2: EC2Client,
  selector: { instanceId?: string; tag?: string },
): Promise<Bastion> {
  const tagText = selector.tag || DEFAULT_BASTION_TAG;
  const tag = parseTagFilter(tagText);
  const found = await describeAll(
    ec2,
    selector.instanceId
      ? { InstanceIds: [selector.instanceId] }
      : { Filters: [{ Name: `tag:${tag.key}`, Values: [tag.value] }] },
    selector.instanceId,
  );
  const instances = found.filter((instance) => instance.State?.Name === 'running');
  const what = selector.instanceId ? `instance ${selector.instanceId}` : `tag ${tagText}`;
  if (instances.length === 0) {
    const others = found.length
      ? ` Not running: ${found.map(describe).join('; ')}.`
      : ` No instance in any state matches ${what}.`;
    throw new ConfigurationError(TUNNEL.NO_BASTION, `No running bastion found by ${what}.${others}`, {
      remedy: 'Start the bastion, or check "bastion-tag" / "bastion-instance-id" and the region.',
    });
  }
  const launched = (instance: Instance) => instance.LaunchTime?.getTime() ?? 0;
  const newestAt = Math.max(...instances.map(launched));
  const newest = instances.filter((instance) => launched(instance) === newestAt);
  if (newest.length > 1) {
    throw new ConfigurationError(
      TUNNEL.SEVERAL_BASTIONS,
      `${newest.length} running instances match ${what} and none is the newest: ${instances.map(describe).join('; ')}.`,
      {
        remedy: 'Narrow "bastion-tag" or set "bastion-instance-id".',
      },
    );
  }
  const instance = newest[0]!;
  const passedOver = instances.filter((other) => other !== instance).map(describe);
  return {
    instanceId: instance.InstanceId!,
    address: instance.PublicIpAddress ?? instance.PrivateIpAddress ?? '',
    availabilityZone: instance.Placement?.AvailabilityZone,
    ...(passedOver.length ? { passedOver } : {}),
  };
}

async function describeAll(
  ec2: EC2Client,
  input: DescribeInstancesCommandInput,
  instanceId: string | undefined,
): Promise<Instance[]> {
  const instances: Instance[] = [];
  let NextToken: string | undefined;
  do {
    let page;
    try {
      page = await ec2.send(new DescribeInstancesCommand({ ...input, NextToken }));
    } catch (error) {
      // InvalidInstanceID.Malformed / .NotFound: the input is wrong, not the service.
      if (instanceId && awsErrorName(error)?.startsWith('InvalidInstanceID')) {
        throw new ConfigurationError(
          TUNNEL.BAD_INSTANCE_ID,
          `Input "bastion-instance-id" names no instance in this region: "${instanceId}" (${awsErrorName(error)}).`,
          {
            remedy:
              'Give the id as i- followed by hex digits, of an instance in the region the step uses, or use "bastion-tag".',
            cause: error,
          },
        );
      }
      throw error;
    }
    instances.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return instances;
}

function describe(instance: Instance): string {
  const name = instance.Tags?.find((t) => t.Key === 'Name')?.Value;
  return (
    `${instance.InstanceId}${name ? ` (${name})` : ''} ${instance.State?.Name ?? 'in an unknown state'}, ` +
    `launched ${instance.LaunchTime?.toISOString() ?? '?'}`
  );
}
