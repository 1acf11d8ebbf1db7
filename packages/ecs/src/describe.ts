import { DescribeServicesCommand, ECSClient, Service } from '@aws-sdk/client-ecs';

/** Describes any number of services, ten per DescribeServices call (ECS's limit). */
export async function describe(ecs: ECSClient, cluster: string, names: string[]): Promise<Service[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < names.length; i += 10) chunks.push(names.slice(i, i + 10));
  const answers = await Promise.all(
    chunks.map((services) => ecs.send(new DescribeServicesCommand({ cluster, services }))),
  );
  return answers.flatMap((answer) => answer.services ?? []);
}
