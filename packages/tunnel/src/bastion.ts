import { DescribeInstancesCommand, EC2Client, Instance } from '@aws-sdk/client-ec2';
import { ConfigurationError } from '@slipway/kit';
import { TUNNEL } from './codes';

export interface Bastion {
  instanceId: string;
  address: string;
  availabilityZone?: string;
}

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

/** The one running instance with the tag (or the given id); zero or several is an error listing them. */
export async function findBastion(
  ec2: EC2Client,
  selector: { instanceId?: string; tag: string },
): Promise<Bastion> {
  const filters = [{ Name: 'instance-state-name', Values: ['running'] }];
  const tag = parseTagFilter(selector.tag);
  const answer = await ec2.send(
    new DescribeInstancesCommand(
      selector.instanceId
        ? { InstanceIds: [selector.instanceId], Filters: filters }
        : { Filters: [...filters, { Name: `tag:${tag.key}`, Values: [tag.value] }] },
    ),
  );
  const instances = (answer.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  const what = selector.instanceId ? `instance ${selector.instanceId}` : `tag ${selector.tag}`;
  if (instances.length === 0) {
    throw new ConfigurationError(TUNNEL.NO_BASTION, `No running bastion found by ${what}.`, {
      remedy: 'Start the bastion, or check "bastion-tag" / "bastion-instance-id" and the region.',
    });
  }
  if (instances.length > 1) {
    throw new ConfigurationError(
      TUNNEL.SEVERAL_BASTIONS,
      `${instances.length} running instances match ${what}: ${instances.map(describe).join('; ')}.`,
      {
        remedy: 'Narrow "bastion-tag" or set "bastion-instance-id".',
      },
    );
  }
  const instance = instances[0]!;
  return {
    instanceId: instance.InstanceId!,
    address: instance.PublicIpAddress ?? instance.PrivateIpAddress ?? '',
    availabilityZone: instance.Placement?.AvailabilityZone,
  };
}

function describe(instance: Instance): string {
  const name = instance.Tags?.find((t) => t.Key === 'Name')?.Value;
  return `${instance.InstanceId}${name ? ` (${name})` : ''} launched ${instance.LaunchTime?.toISOString() ?? '?'}`;
}
