import { AwsClientOptions, onDemand } from '@slipway/kit';

/**
 * The clients that credentials and tunnels use, each made on first use from an SDK module loaded only
 * then: a step that reads a secret and needs no bastion never loads EC2's client, the largest of all.
 */
export function tunnelClients(options: AwsClientOptions) {
  return {
    secretsManager: onDemand(
      async () => (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient,
      options,
    ),
    ssm: onDemand(async () => (await import('@aws-sdk/client-ssm')).SSMClient, options),
    ec2: onDemand(async () => (await import('@aws-sdk/client-ec2')).EC2Client, options),
    instanceConnect: onDemand(
      async () => (await import('@aws-sdk/client-ec2-instance-connect')).EC2InstanceConnectClient,
      options,
    ),
  };
}
