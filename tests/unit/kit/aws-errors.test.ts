import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AWS_ACCESS_DENIED,
  AWS_CREDENTIALS,
  AWS_NOT_FOUND,
  AWS_THROTTLED,
  AWS_UNKNOWN_REGION,
  INVALID_REGION,
  SlipwayError,
  UNEXPECTED_ERROR,
  awsClient,
  iamAction,
  resolveRegion,
  toSlipwayError,
} from '@slipway/kit';
import { restoreEnvAfterEach } from '../../helpers/env';

restoreEnvAfterEach();

/** A loopback ECS that answers every call with the error given (AWS JSON 1.1, as ECS does). */
let server: Server;
let answer: { status: number; type: string; message: string };
beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ __type: answer.type, message: answer.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function failure(status: number, type: string, message: string): Promise<SlipwayError> {
  answer = { status, type, message };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  });
  const ecs = awsClient(ECSClient, { maxAttempts: 1 });
  try {
    await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web'] }));
  } catch (error) {
    return toSlipwayError(error);
  }
  throw new Error('the call succeeded');
}

test('AccessDenied names the IAM action of the call and the policy to read', async () => {
  const error = await failure(
    400,
    'AccessDeniedException',
    'User: arn:aws:sts::1:assumed-role/r/s is not authorized',
  );
  expect(error.code).toBe(AWS_ACCESS_DENIED);
  expect(error.message).toContain('ecs:DescribeServices');
  expect(error.remedy).toMatch(/Allow ecs:DescribeServices .*docs\/iam\//);
});

test('throttling after the retries is its own code', async () => {
  const error = await failure(400, 'ThrottlingException', 'Rate exceeded');
  expect(error.code).toBe(AWS_THROTTLED);
  expect(error.message).toContain('ecs:DescribeServices');
});

test('expired credentials are their own code, with how to get fresh ones', async () => {
  const error = await failure(
    400,
    'ExpiredTokenException',
    'The security token included in the request is expired',
  );
  expect(error.code).toBe(AWS_CREDENTIALS);
  expect(error.remedy).toContain('configure-aws-credentials');
});

test('a missing resource is its own code', async () => {
  const error = await failure(400, 'ClusterNotFoundException', 'Cluster not found.');
  expect(error.code).toBe(AWS_NOT_FOUND);
  expect(error.message).toContain('ecs:DescribeServices');
});

test('an endpoint that does not exist in a region is the region code; anything else stays unexpected', () => {
  const dns = Object.assign(new Error('getaddrinfo ENOTFOUND ecs.us-east-9.amazonaws.com'), {
    code: 'ENOTFOUND',
    hostname: 'ecs.us-east-9.amazonaws.com',
  });
  expect(toSlipwayError(dns).code).toBe(AWS_UNKNOWN_REGION);
  expect(toSlipwayError(new TypeError('x is not a function')).code).toBe(UNEXPECTED_ERROR);
});

test('AWS_REGION is checked like the input: a region AWS lacks fails before any call', () => {
  expect(() => resolveRegion(undefined, { AWS_REGION: 'us-east-9' })).toThrow(
    expect.objectContaining({ code: INVALID_REGION, message: expect.stringContaining('AWS_REGION') }),
  );
  expect(() => resolveRegion('mars-1', {})).toThrow(
    expect.objectContaining({ message: expect.stringContaining('Input "region"') }),
  );
  expect(resolveRegion(undefined, { AWS_REGION: 'eu-west-3' })).toBe('eu-west-3');
});

test('iamAction maps a client and command to the IAM action', () => {
  expect(iamAction('SecretsManagerClient', 'GetSecretValueCommand')).toBe('secretsmanager:GetSecretValue');
  expect(iamAction('ElasticLoadBalancingV2Client', 'DescribeTargetHealthCommand')).toBe(
    'elasticloadbalancing:DescribeTargetHealth',
  );
  expect(iamAction('UnknownClient', 'XCommand')).toBeUndefined();
});
