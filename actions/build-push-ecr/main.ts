import { ECRClient } from '@aws-sdk/client-ecr';
import { dockerLogout, publishOutputs, publishSummary, readPublishRequest } from '@slipway/ecr';
import { buildPushEcr } from '@slipway/flows';
import { awsClient, stateSlot } from '@slipway/kit';
import { z } from 'zod/mini';
import { workflowEvent } from '../common/event';
import { StepReport, runAction } from '../common/lifecycle';
import { actionInputs, actionLogger, actionSecrets, actionState } from '../common/runtime';

const loggedIn = stateSlot('logged-in', z.array(z.string()));

export function run(): Promise<void> {
  return runAction({ main, post });
}

async function main(): Promise<StepReport> {
  // Secret inputs are masked before any input is parsed, so no message can show them.
  const secrets = actionSecrets();
  const request = readPublishRequest(actionInputs, process.env.GITHUB_WORKSPACE ?? process.cwd(), secrets);
  const event = workflowEvent();
  const registries: string[] = [];
  const { result: published } = await buildPushEcr(request, {
    ecr: (region) => awsClient(ECRClient, { region }),
    git: {
      eventName: event.eventName,
      sha: event.sha,
      ref: event.ref,
      pullRequest: event.payload.pull_request
        ? { number: event.payload.pull_request.number, headSha: event.payload.pull_request.head.sha }
        : undefined,
    },
    sourceUrl: event.repository ? `${event.serverUrl}/${event.repository}` : undefined,
    secrets,
    logger: actionLogger,
    onLogin: (registry) => {
      registries.push(registry);
      loggedIn.save(actionState, registries);
    },
  });
  return { outputs: publishOutputs(published), summary: publishSummary(published) };
}

async function post(): Promise<void> {
  await dockerLogout(loggedIn.load(actionState) ?? [], actionLogger);
}
