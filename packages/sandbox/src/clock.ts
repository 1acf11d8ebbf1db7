/**
 * Simulated time. Durations (task start-up, health checks) are measured in simulated seconds;
 * timestamps shown to clients are wall-clock, so they stay comparable with the client's own Date.now().
 */
export class SimClock {
  private elapsed = 0;

  constructor(private readonly wallClock: () => number = Date.now) {}

  /** Simulated seconds since the sandbox started. */
  get seconds(): number {
    return this.elapsed;
  }

  wallNow(): number {
    return this.wallClock();
  }

  advance(simulatedSeconds: number): void {
    this.elapsed += simulatedSeconds;
  }
}

/** Calls `onAdvance` every tickMs with the simulated seconds that passed (real elapsed × speed). */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  constructor(
    private readonly speed: number,
    private readonly tickMs: number,
    private readonly onAdvance: (simulatedSeconds: number) => void,
  ) {}

  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const realSeconds = (now - this.last) / 1000;
      this.last = now;
      this.onAdvance(realSeconds * this.speed);
    }, this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
