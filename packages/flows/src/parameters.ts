import { GetParametersByPathCommand, GetParametersCommand, Parameter, SSMClient } from '@aws-sdk/client-ssm';
import { SlipwayError } from '@slipway/kit';
import { TUNNEL } from '@slipway/tunnel';

/** Database credentials from Parameter Store: named parameters, or every parameter under one path. */
export async function fromParameters(client: SSMClient, names: string[]): Promise<Record<string, unknown>> {
  const parameters: Parameter[] = [];
  if (names.length === 1 && names[0]!.endsWith('/')) {
    let NextToken: string | undefined;
    do {
      const page = await client.send(
        new GetParametersByPathCommand({ Path: names[0], WithDecryption: true, Recursive: false, NextToken }),
      );
      parameters.push(...(page.Parameters ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
  } else {
    const answer = await client.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
    if (answer.InvalidParameters?.length) {
      throw new SlipwayError(
        TUNNEL.CREDENTIALS_UNREADABLE,
        `Parameters not found: ${answer.InvalidParameters.join(', ')}.`,
        {
          remedy:
            'Check the names (or give one path prefix ending in "/") and ssm:GetParameters for the role.',
        },
      );
    }
    parameters.push(...(answer.Parameters ?? []));
  }
  return Object.fromEntries(parameters.map((p) => [p.Name!.split('/').pop()!, p.Value]));
}
