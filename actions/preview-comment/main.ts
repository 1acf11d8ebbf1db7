import * as github from '@actions/github';
import { ecsName, imageRef, input, parseInputs, pattern, url } from '@slipway/kit';
import {
  PREVIEW_STATUSES,
  previewCommentBody,
  previewMarker,
  resolvePullRequest,
  upsertStickyComment,
} from '@slipway/pipeline';
import { runAction } from '../common/lifecycle';
import { actionInputs, actionLogger, actionSecrets } from '../common/runtime';

const httpUrl = url(['http', 'https']);
// Checked as a URL, shown as it was typed.
const previewUrl = { expected: httpUrl.expected, parse: (text: string) => (httpUrl.parse(text), text) };
const token = pattern(
  'a GitHub token (one word, no spaces)',
  /^[A-Za-z0-9][A-Za-z0-9_.-]{0,1023}$/,
  'is not a token',
);

export function run(): Promise<void> {
  return runAction({
    main: async () => {
      // Masked before any input is parsed, so no message can ever show it.
      const inputs = parseInputs(
        actionInputs,
        {
          'github-token': input.value(token, { required: true, secret: true }),
          'pull-request': input.string(),
          service: input.value(ecsName, { required: true }),
          status: input.choice(PREVIEW_STATUSES, { required: true }),
          url: input.value(previewUrl),
          image: input.value(imageRef),
          details: input.string(),
          'production-plan': input.string({ multiline: true }),
        },
        { secrets: actionSecrets() },
      );
      const { context } = github;
      const { owner, repo } = context.repo;
      const issueNumber = resolvePullRequest(inputs['pull-request'], {
        name: context.eventName,
        number: context.payload.pull_request?.number,
      });
      const comment = await upsertStickyComment({
        octokit: github.getOctokit(inputs['github-token']),
        owner,
        repo,
        issueNumber,
        marker: previewMarker(inputs.service),
        body: previewCommentBody({
          service: inputs.service,
          status: inputs.status,
          url: inputs.url,
          image: inputs.image,
          details: inputs.details,
          productionPlan: inputs['production-plan'],
          runUrl: process.env.GITHUB_RUN_ID
            ? `${context.serverUrl}/${owner}/${repo}/actions/runs/${process.env.GITHUB_RUN_ID}`
            : undefined,
        }),
      });
      actionLogger.info(
        `${comment.created ? 'Commented on' : 'Updated the comment on'} #${issueNumber} (${inputs.service}: ${inputs.status}): ${comment.url}`,
      );
      return { outputs: { 'comment-id': String(comment.id), created: String(comment.created) } };
    },
  });
}
