import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from './ports';

export interface RecordedRequest {
  method: string;
  url: string;
  /** The AWS JSON protocol's operation (X-Amz-Target), or the query protocol's Action. */
  operation?: string;
  body: string;
}

/** A loopback HTTP endpoint that answers every request with a 500 and remembers it. */
export interface Recorder {
  url: string;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', () => resolve(body));
  });
}

/**
 * Starts a recording endpoint: point AWS_ENDPOINT_URL (and GITHUB_API_URL) at it, and any request a step
 * makes is counted. It answers 500 InternalFailure (or the AWS error given) so nothing a step does can
 * succeed by accident.
 */
export async function startRecorder(
  answer: { status: number; type: string; message: string } = {
    status: 500,
    type: 'InternalFailure',
    message: 'recorded',
  },
): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    void read(request).then((body) => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        operation:
          (request.headers['x-amz-target'] as string | undefined) ?? /(?:^|&)Action=([^&]+)/.exec(body)?.[1],
        body: body.slice(0, 2000),
      });
      response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ __type: answer.type, message: answer.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
