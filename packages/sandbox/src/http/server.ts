import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { CallCounter, FaultInjector } from '../faults';
import { AwsError } from './aws-error';
import type { OperationTable } from './operation';

/** One AWS service spoken in the JSON 1.1 protocol, e.g. target prefix "Logs_20140328". */
export interface AwsServiceEndpoint {
  targetPrefix: string;
  operations: OperationTable;
  /** The error type answered for simulated 5xx faults. */
  serverErrorType: string;
}

export interface ControlRoute {
  method: 'GET' | 'POST';
  path: string;
  /** Returns the JSON answer; throwing an Error answers 400 with its message. */
  handle(body: unknown): unknown;
}

export interface SandboxServerOptions {
  services: AwsServiceEndpoint[];
  /** Query-protocol (form-encoded) operations, as IAM speaks: parameters in, the Result element's XML out. */
  queryOperations?: Record<string, (params: URLSearchParams) => string>;
  calls: CallCounter;
  faults: FaultInjector;
  controlRoutes: ControlRoute[];
}

const CONTROL_PREFIX = '/_sandbox/';
const AWS_JSON = 'application/x-amz-json-1.1';

export function createSandboxServer(options: SandboxServerOptions): Server {
  return createServer((request, response) => {
    readBody(request)
      .then((body) => route(options, request, body, response))
      .catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, 'application/json', { error: String(error) });
      });
  });
}

async function route(
  options: SandboxServerOptions,
  request: IncomingMessage,
  body: string,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (path.startsWith(CONTROL_PREFIX))
    return handleControl(options.controlRoutes, request, path, body, response);
  const target = request.headers['x-amz-target'];
  if (request.method === 'POST' && typeof target === 'string') {
    return handleAws(options, target, body, response);
  }
  if (request.method === 'POST' && /x-www-form-urlencoded/.test(request.headers['content-type'] ?? '')) {
    return handleQuery(options, new URLSearchParams(body), response);
  }
  sendJson(response, 404, 'application/json', {
    error: 'Not an AWS JSON request (POST with X-Amz-Target) nor a /_sandbox/ control route',
  });
}

async function handleAws(
  options: SandboxServerOptions,
  target: string,
  body: string,
  response: ServerResponse,
): Promise<void> {
  const separator = target.lastIndexOf('.');
  const prefix = target.slice(0, separator);
  const operationName = target.slice(separator + 1);
  options.calls.count(operationName);
  const service = options.services.find((s) => s.targetPrefix === prefix);
  if (!service) {
    return sendAwsError(response, new AwsError('UnknownOperationException', `Unknown target ${target}`));
  }
  const fault = options.faults.decide(operationName, service.serverErrorType);
  if (fault.latencyMs > 0) await delay(fault.latencyMs);
  if (fault.error) return sendAwsError(response, fault.error);

  const operation = service.operations[operationName];
  if (!operation) {
    return sendAwsError(
      response,
      new AwsError('UnknownOperationException', `The sandbox does not simulate ${operationName}`),
    );
  }
  let input: unknown;
  try {
    input = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    return sendAwsError(response, new AwsError('SerializationException', 'Request body is not valid JSON'));
  }
  try {
    const output = operation((input ?? {}) as object);
    if (fault.errorAfter) return sendAwsError(response, fault.errorAfter);
    sendJson(response, 200, AWS_JSON, output ?? {});
  } catch (error) {
    if (error instanceof AwsError) return sendAwsError(response, error);
    const message = error instanceof Error ? error.message : String(error);
    sendAwsError(response, new AwsError(service.serverErrorType, message, 500));
  }
}

const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';

function handleQuery(options: SandboxServerOptions, params: URLSearchParams, response: ServerResponse): void {
  const action = params.get('Action') ?? '';
  options.calls.count(action);
  const send = (status: number, body: string) => {
    response.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };
  const requestId = randomUUID();
  const operation = options.queryOperations?.[action];
  try {
    if (!operation)
      throw new AwsError('InvalidAction', `The sandbox does not simulate ${action || 'this action'}`);
    const result = operation(params);
    send(
      200,
      `<${action}Response xmlns="${IAM_XMLNS}"><${action}Result>${result}</${action}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
    );
  } catch (error) {
    const failure = error instanceof AwsError ? error : new AwsError('ServiceFailure', String(error), 500);
    const escaped = failure.message.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
    send(
      failure.status,
      `<ErrorResponse xmlns="${IAM_XMLNS}"><Error><Type>${failure.status < 500 ? 'Sender' : 'Receiver'}</Type>` +
        `<Code>${failure.type}</Code><Message>${escaped}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
  }
}

function handleControl(
  routes: ControlRoute[],
  request: IncomingMessage,
  path: string,
  body: string,
  response: ServerResponse,
): void {
  const found = routes.find((r) => CONTROL_PREFIX + r.path === path && r.method === request.method);
  if (!found) {
    const known = routes.map((r) => `${r.method} ${CONTROL_PREFIX}${r.path}`).join(', ');
    return sendJson(response, 404, 'application/json', {
      error: `Unknown control route. Known routes: ${known}`,
    });
  }
  try {
    const parsed: unknown = body.trim() === '' ? {} : JSON.parse(body);
    sendJson(response, 200, 'application/json', found.handle(parsed) ?? {});
  } catch (error) {
    sendJson(response, 400, 'application/json', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

function sendAwsError(response: ServerResponse, error: AwsError): void {
  response.setHeader('x-amzn-ErrorType', error.type);
  sendJson(response, error.status, AWS_JSON, { __type: error.type, message: error.message });
}

function sendJson(response: ServerResponse, status: number, contentType: string, value: unknown): void {
  const payload = toAwsJson(value);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(payload);
}

/** JSON with Dates written as epoch seconds, as the AWS JSON protocols send timestamps. */
export function toAwsJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, converted: unknown) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : converted;
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
