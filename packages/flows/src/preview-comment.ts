import {
  previewCommentBody,
  previewMarker,
  readPreviewCommentRequest,
  resolvePullRequest,
  upsertStickyComment,
} from '@slipway/pipeline';
import type { Finished } from './finished';

type PreviewCommentRequest = ReturnType<typeof readPreviewCommentRequest>;
type StickyCommentRequest = Parameters<typeof upsertStickyComment>[0];

/** Where the comment goes: the repository, the run's event (its pull request), and the run's page. */
export interface CommentPlace {
  octokit: StickyCommentRequest['octokit'];
  owner: string;
  repo: string;
  event: { name: string; number?: unknown };
  runUrl?: string;
}

/** preview-comment: the pull request's one sticky comment for the service, created or updated. */
export async function previewComment(
  request: PreviewCommentRequest,
  place: CommentPlace,
): Promise<Finished<Awaited<ReturnType<typeof upsertStickyComment>> & { issueNumber: number }>> {
  const issueNumber = resolvePullRequest(request.pullRequest, place.event);
  const comment = await upsertStickyComment({
    octokit: place.octokit,
    owner: place.owner,
    repo: place.repo,
    issueNumber,
    marker: previewMarker(request.service),
    body: previewCommentBody({
      service: request.service,
      status: request.status,
      url: request.url,
      image: request.image,
      details: request.details,
      productionPlan: request.productionPlan,
      runUrl: place.runUrl,
    }),
  });
  return { result: { ...comment, issueNumber } };
}
