import { CLI_USAGE, exportLine, parseSandboxArgs } from './cli-args';
import { startSandbox } from './sandbox';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(CLI_USAGE);
    return;
  }
  const options = parseSandboxArgs(args);
  const sandbox = await startSandbox(options);
  const region = options.region ?? 'us-east-1';
  console.log(`Slipway sandbox listening on ${sandbox.url} (speed ${options.speed ?? 1}x, region ${region})`);
  console.log('Point the AWS SDK and CLI at it by pasting:');
  console.log(`  ${exportLine(sandbox.url, region)}`);
  console.log(`Controls: ${sandbox.url}/_sandbox/health, /_sandbox/calls, /_sandbox/marks. Ctrl+C stops.`);
  process.once('SIGINT', () => {
    void sandbox.stop().then(() => console.log('Sandbox stopped.'));
  });
  process.once('SIGTERM', () => void sandbox.stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(CLI_USAGE);
  process.exitCode = 1;
});
