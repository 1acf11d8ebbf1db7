import * as github from '@actions/github';
import {
  previewCommentBody,
  previewMarker,
  readPreviewCommentRequest,
  resolvePullRequest,
  upsertStickyComment,
} from '@slipway/pipeline';
import { runAction } from '../common/lifecycle';
import { actionInputs, actionLogger, actionSecrets } from '../common/runtime';

export function run(): Promise<void> {
  return runAction({
    main: async () => {
      const inputs = readPreviewCommentRequest(actionInputs, actionSecrets());
      const { context } = github;
      const { owner, repo } = context.repo;
      const issueNumber = resolvePullRequest(inputs.pullRequest, {
        name: context.eventName,
        number: context.payload.pull_request?.number,
      });
      const comment = await upsertStickyComment({
        octokit: github.getOctokit(inputs.token),
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
          productionPlan: inputs.productionPlan,
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
