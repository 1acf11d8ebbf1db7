import type { SSMClient } from '@aws-sdk/client-ssm';
import { Logger, StateStore, resolveRegion, stateSlot } from '@slipway/kit';
import { z } from 'zod/mini';

/** What the post step needs to end a Session Manager session the main step could not close. */
export const ssmSessionSlot = stateSlot(
  'ssm-session',
  z.object({ pid: z.number(), sessionId: z.string(), region: z.string() }),
);

/**
 * The main step's side of the post-step state: the session is recorded as soon as its plugin is spawned,
 * and forgotten once the teardown closed it, so the post step neither kills a pid the OS may have given
 * to another process nor terminates the session twice.
 */
export function ssmSessionState(store: StateStore, region: string | undefined) {
  return {
    // Only an SSM session, which needed the region to start, is recorded.
    onSsmSession: (session: { pid: number; sessionId: string }) =>
      ssmSessionSlot.save(store, {
        pid: session.pid,
        sessionId: session.sessionId,
        region: resolveRegion(region),
      }),
    onSsmSessionClosed: () => store.set('ssm-session', ''),
  };
}

/** Runs in the post step: does work only if the main step died before its own teardown. */
export async function cleanUpSsmSession(
  store: StateStore,
  options: {
    ssm: (region: string) => Pick<SSMClient, 'send'> | Promise<Pick<SSMClient, 'send'>>;
    logger: Logger;
    kill?: (pid: number, signal: NodeJS.Signals) => void;
  },
): Promise<void> {
  const session = ssmSessionSlot.load(store);
  if (!session) return;
  try {
    (options.kill ?? process.kill)(session.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  const { TerminateSessionCommand } = await import('@aws-sdk/client-ssm');
  await (
    await options.ssm(session.region)
  )
    .send(new TerminateSessionCommand({ SessionId: session.sessionId }))
    .then(() => options.logger.info(`Ended Session Manager session ${session.sessionId}.`))
    .catch((error: Error) =>
      options.logger.warning(`TerminateSession ${session.sessionId}: ${error.message}`),
    );
}
