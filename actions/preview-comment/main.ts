import * as github from '@actions/github';
import { previewComment } from '@slipway/flows';
import { readPreviewCommentRequest } from '@slipway/pipeline';
import { runAction } from '../common/lifecycle';
import { actionInputs, actionLogger, actionSecrets } from '../common/runtime';

export function run(): Promise<void> {
  return runAction({
    main: async () => {
      const request = readPreviewCommentRequest(actionInputs, actionSecrets());
      const { context } = github;
      const { owner, repo } = context.repo;
      const { result: comment } = await previewComment(request, {
        octokit: github.getOctokit(request.token),
        owner,
        repo,
        event: { name: context.eventName, number: context.payload.pull_request?.number },
        runUrl: process.env.GITHUB_RUN_ID
          ? `${context.serverUrl}/${owner}/${repo}/actions/runs/${process.env.GITHUB_RUN_ID}`
          : undefined,
      });
      actionLogger.info(
        `${comment.created ? 'Commented on' : 'Updated the comment on'} #${comment.issueNumber} (${request.service}: ${request.status}): ${comment.url}`,
      );
      return { outputs: { 'comment-id': String(comment.id), created: String(comment.created) } };
    },
  });
}
