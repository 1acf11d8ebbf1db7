import { ECSClient } from '@aws-sdk/client-ecs';
import { validateDeploy } from '@slipway/flows';
import { awsClient, onDemand } from '@slipway/kit';
import { readValidateRequest, validationOutputs, validationSummary } from '@slipway/probe';
import { runAction } from '../common/lifecycle';
import { actionInputs, actionLogger, actionSecrets } from '../common/runtime';

export function run(): Promise<void> {
  return runAction({
    main: async () => {
      // Header values are masked before any input is parsed.
      const secrets = actionSecrets();
      const request = readValidateRequest(actionInputs, secrets);
      const clients = { region: request.region };
      const { result, failure } = await validateDeploy(request, {
        ecs: () => awsClient(ECSClient, clients),
        elb: onDemand(
          async () =>
            (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client,
          clients,
        ),
        logger: actionLogger,
        secrets,
      });
      return { outputs: validationOutputs(result), summary: validationSummary(result), failure };
    },
  });
}
