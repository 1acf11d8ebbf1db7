import { Backoff, Clock, Logger, retry } from '@slipway/kit';
import { Check, Look, passed } from './check';

/** Validation often runs right after a deploy: look again with full-jitter backoff until the deadline. */
export interface Patience {
  deadline: number;
  clock: Clock;
  backoff: Backoff;
  logger: Logger;
}

export const defaultBackoff: Backoff = { baseMs: 200, capMs: 2000 };

class NotYet extends Error {
  constructor(readonly checks: Check[]) {
    super('not yet');
  }
}

/**
 * Looks until every check passes, a failure is final, or the deadline has passed (one last look is
 * taken at the deadline); returns the last look's checks.
 */
export async function untilDeadline(
  look: (attempt: number) => Promise<Look>,
  { deadline, clock, backoff, logger }: Patience,
): Promise<Check[]> {
  // No sleep may overshoot the deadline, so the last look happens at it.
  const bounded: Clock = {
    now: () => clock.now(),
    sleep: (ms) => clock.sleep(Math.max(0, Math.min(ms, deadline - clock.now()))),
  };
  let waitingFor = '';
  try {
    return await retry(
      async (attempt) => {
        const { checks, final } = await look(attempt);
        if (final || checks.every(passed)) return checks;
        throw new NotYet(checks);
      },
      {
        ...backoff,
        attempts: Infinity,
        clock: bounded,
        retryable: (error) => error instanceof NotYet && clock.now() < deadline,
        onRetry: (error) => {
          const pending = (error as NotYet).checks.find((c) => !passed(c))!;
          const what = `${pending.target} (${pending.name})`;
          const text = `waiting for ${what}: ${pending.observation}`;
          // Once per thing waited for; every further look in the debug log.
          if (what === waitingFor) logger.debug(text);
          else logger.info(text);
          waitingFor = what;
        },
      },
    );
  } catch (error) {
    if (error instanceof NotYet) return error.checks;
    throw error;
  }
}
