import type { TaskScenario } from './scenarios';

/** What the simulated application prints, so log-reading diagnostics have something real to find. */
export interface AppLogContext {
  containerName: string;
  port: number;
}

export function startupLines(scenario: TaskScenario, app: AppLogContext): string[] {
  const banner = [`> ${app.containerName}@1.0.0 start`, '> node dist/server.js'];
  switch (scenario) {
    case 'crash':
      return [
        ...banner,
        `info: starting ${app.containerName} (NODE_ENV=production)`,
        'info: connecting to database at db.internal:5432',
      ];
    case 'oom':
      return [
        ...banner,
        'info: loading product catalogue into memory',
        'warn: catalogue cache at 1843 MiB, still loading',
      ];
    case 'slow-start':
      return [
        ...banner,
        'info: running database migrations',
        'info: migrations complete (42 applied)',
        `info: listening on 0.0.0.0:${app.port}`,
      ];
    case 'unhealthy':
    case 'healthy':
      return [...banner, `info: listening on 0.0.0.0:${app.port}`];
    case 'pull-failure':
    case 'secrets-denied':
      return [];
  }
}

export function exitLines(scenario: TaskScenario): string[] {
  if (scenario !== 'crash') return [];
  return [
    'Error: connect ECONNREFUSED 10.0.12.34:5432',
    '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
    '    at Pool.connect (/app/node_modules/pg-pool/index.js:45:11)',
    '    at async migrate (/app/dist/db.js:18:5)',
    '    at async main (/app/dist/server.js:12:3) {',
    '  errno: -111,',
    "  code: 'ECONNREFUSED',",
    "  syscall: 'connect',",
    "  address: '10.0.12.34',",
    '  port: 5432',
    '}',
    'fatal: could not connect to the database, exiting',
  ];
}

export function healthFailureLines(): string[] {
  return [
    'warn: GET /health 503 2ms - dependency check failed: redis timeout after 2000ms',
    'warn: GET /health 503 1ms - dependency check failed: redis timeout after 2000ms',
    'warn: GET /health 503 2ms - dependency check failed: redis timeout after 2000ms',
  ];
}
