import { Backoff, Clock, Logger, done, notYet, waitUntil } from '@slipway/kit';
import { Check, Look, passed } from './check';

/** Validation often runs right after a deploy: look again with full-jitter backoff until the deadline. */
export interface Patience {
  deadline: number;
  clock: Clock;
  backoff: Backoff;
  logger: Logger;
}

export const defaultBackoff: Backoff = { baseMs: 200, capMs: 2000 };

/**
 * Looks until every check passes, a failure is final, or the deadline has passed (one last look is
 * taken at the deadline); returns the last look's checks.
 */
export async function untilDeadline(
  look: (attempt: number) => Promise<Look>,
  { deadline, clock, backoff, logger }: Patience,
): Promise<Check[]> {
  let waitingFor = '';
  const waited = await waitUntil(
    async ({ attempt }) => {
      const { checks, final } = await look(attempt);
      return final || checks.every(passed) ? done(checks) : notYet(checks);
    },
    {
      deadline,
      clock,
      backoff,
      onNotYet: (checks) => {
        const pending = checks.find((c) => !passed(c))!;
        const what = `${pending.target} (${pending.name})`;
        const text = `waiting for ${what}: ${pending.observation}`;
        // Once per thing waited for; every further look in the debug log.
        if (what === waitingFor) logger.debug(text);
        else logger.info(text);
        waitingFor = what;
      },
    },
  );
  // No signal is given, so the wait ends done or at the deadline, having looked at least once.
  return waited.kind === 'done' ? waited.value : waited.last!;
}
