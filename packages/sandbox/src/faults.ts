import { AwsError } from './http/aws-error';
import type { FaultOptions } from './options';
import { SeededRandom } from './random';

export interface FaultDecision {
  latencyMs: number;
  /** The error to answer instead of processing the request. */
  error?: AwsError;
  /** The error to answer after processing the request (a lost response). */
  errorAfter?: AwsError;
}

/** Decides, before an AWS request is processed, whether to delay it and whether to fail it. */
export class FaultInjector {
  private faults: FaultOptions = {};
  private readonly random: SeededRandom;

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  configure(faults: FaultOptions): void {
    this.faults = validateFaults(faults);
  }

  current(): FaultOptions {
    return { ...this.faults };
  }

  decide(operation: string, serverErrorType: string): FaultDecision {
    const {
      throttleRate = 0,
      serverErrorRate = 0,
      lostResponseRate = 0,
      latencyMs = 0,
      operations,
    } = this.faults;
    if (operations && !operations.includes(operation)) return { latencyMs: 0 };
    if (throttleRate === 0 && serverErrorRate === 0 && lostResponseRate === 0) return { latencyMs };
    const roll = this.random.next();
    if (roll < throttleRate) {
      return { latencyMs, error: new AwsError('ThrottlingException', 'Rate exceeded') };
    }
    if (roll < throttleRate + serverErrorRate) {
      const status = this.random.next() < 0.5 ? 500 : 503;
      return { latencyMs, error: new AwsError(serverErrorType, 'Simulated server error', status) };
    }
    if (roll < throttleRate + serverErrorRate + lostResponseRate) {
      return { latencyMs, errorAfter: new AwsError(serverErrorType, 'Simulated lost response', 500) };
    }
    return { latencyMs };
  }
}

export function validateFaults(input: unknown): FaultOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('Faults must be an object');
  }
  const { throttleRate, serverErrorRate, lostResponseRate, latencyMs, operations } = input as Record<
    string,
    unknown
  >;
  const rate = (name: string, value: unknown) => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new Error(`Fault option ${name} must be a number from 0 to 1, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const faults: FaultOptions = {
    throttleRate: rate('throttleRate', throttleRate),
    serverErrorRate: rate('serverErrorRate', serverErrorRate),
    lostResponseRate: rate('lostResponseRate', lostResponseRate),
  };
  if ((faults.throttleRate ?? 0) + (faults.serverErrorRate ?? 0) + (faults.lostResponseRate ?? 0) > 1) {
    throw new Error(
      'Fault options throttleRate, serverErrorRate and lostResponseRate must add up to at most 1',
    );
  }
  if (latencyMs !== undefined) {
    if (typeof latencyMs !== 'number' || !(latencyMs >= 0)) {
      throw new Error(
        `Fault option latencyMs must be a number of at least 0, got ${JSON.stringify(latencyMs)}`,
      );
    }
    faults.latencyMs = latencyMs;
  }
  if (operations !== undefined) {
    if (!Array.isArray(operations) || !operations.every((o) => typeof o === 'string')) {
      throw new Error('Fault option operations must be a list of operation names');
    }
    faults.operations = operations;
  }
  return faults;
}

export class CallCounter {
  private counts: Record<string, number> = {};
  private order: string[] = [];

  count(operation: string): void {
    this.counts[operation] = (this.counts[operation] ?? 0) + 1;
    // A long-lived sandbox (`slipway sandbox`) must not grow without bound.
    if (this.order.push(operation) > MAX_SEQUENCE) this.order.shift();
  }

  snapshot(): Record<string, number> {
    return { ...this.counts };
  }

  sequence(): string[] {
    return [...this.order];
  }

  reset(): void {
    this.counts = {};
    this.order = [];
  }
}

const MAX_SEQUENCE = 100_000;
