import { CLI_USAGE, exportLine, parseSandboxArgs } from './cli-args';
import { startSandbox } from './sandbox';

/**
 * `npm run sandbox` and `slipway sandbox`: serves until SIGINT or SIGTERM, then stops the server and
 * its simulation clock and resolves, so the process ends with nothing left running.
 */
export async function serveSandbox(
  argv: string[],
  print: (line: string) => void = console.log,
): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    print(CLI_USAGE);
    return;
  }
  const options = parseSandboxArgs(argv);
  const sandbox = await startSandbox(options);
  const region = options.region ?? 'us-east-1';
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  print(`Slipway sandbox listening on ${sandbox.url} (speed ${options.speed ?? 1}x, region ${region})`);
  print('Point the AWS SDK, the aws CLI (v1 or v2) and slipway at it by pasting:');
  print(`  ${exportLine(sandbox.url, region)}`);
  print(`Controls: ${sandbox.url}/_sandbox/health, /_sandbox/calls, /_sandbox/marks. Ctrl+C stops.`);
  await stopped;
  await sandbox.stop();
  print('Sandbox stopped.');
}

if (require.main === module) {
  serveSandbox(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.error(CLI_USAGE);
    process.exitCode = 1;
  });
}
