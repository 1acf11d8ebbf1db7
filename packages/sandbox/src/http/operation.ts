import { AwsError } from './aws-error';

/** One AWS operation: parsed JSON input in, JSON-serialisable output (Dates allowed) out. */
export type Operation = (input: object) => unknown;
export type OperationTable = Record<string, Operation>;

/** Lets each handler declare its SDK request type; inputs arrive as untyped JSON. */
export function operation<Input>(handler: (input: Input) => unknown): Operation {
  return (input) => handler(input as Input);
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** Offset pagination with opaque tokens, as list operations do it. */
export function paginate<T>(
  items: T[],
  request: { maxResults?: number; nextToken?: string },
  limits: { default: number; max: number },
  invalid: (message: string) => AwsError = (message) => new AwsError('InvalidParameterException', message),
): Page<T> {
  const size = request.maxResults ?? limits.default;
  if (!Number.isInteger(size) || size < 1 || size > limits.max) {
    throw invalid(`maxResults must be between 1 and ${limits.max}.`);
  }
  const start = request.nextToken ? decodeToken(request.nextToken) : 0;
  if (start === undefined) throw invalid('Invalid nextToken.');
  const end = start + size;
  return { items: items.slice(start, end), nextToken: end < items.length ? encodeToken(end) : undefined };
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

function decodeToken(token: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    const offset = (parsed as { offset?: unknown }).offset;
    return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}
