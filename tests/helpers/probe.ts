import { Clock, memoryLogger, Secrets } from '@slipway/kit';

/** A validate() context for URL checks alone: they need no AWS, so a client asked for is a bug. */
export function urlOnlyContext(secrets = new Secrets(), clock?: Clock) {
  return {
    ecs: (): never => {
      throw new Error('no ECS client expected');
    },
    elb: (): never => {
      throw new Error('no ELBv2 client expected');
    },
    logger: memoryLogger(),
    secrets,
    ...(clock ? { clock } : {}),
  };
}
