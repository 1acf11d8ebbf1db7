import { PublishRequest, publish } from '@slipway/ecr';
import type { Finished } from './finished';

type PublishContext = Parameters<typeof publish>[1];
type Published = Awaited<ReturnType<typeof publish>>;

/** build-push-ecr: the repository ensured, the image built and pushed, or promoted, or found already built. */
export async function buildPushEcr(
  request: PublishRequest,
  context: PublishContext,
): Promise<Finished<Published>> {
  return { result: await publish(request, context) };
}
