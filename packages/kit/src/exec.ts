import { spawn } from 'node:child_process';
import { Logger } from './logger';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, then closed: how passwords reach `docker login --password-stdin`. */
  stdin?: string;
  /** Streams every output line here, for long builds. */
  logger?: Logger;
  /** Aborting kills the command and everything it started (its process group). */
  signal?: AbortSignal;
}

/** Runs a program without a shell; a signal-killed process counts as failed (exit code 128+n). */
export function runCommand(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a cancel reaches the grandchildren a shell starts, too.
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: Boolean(options.signal),
    });
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
    };
    options.signal?.addEventListener('abort', kill, { once: true });
    let stdout = '';
    let stderr = '';
    const stream = (chunk: Buffer, sink: 'stdout' | 'stderr') => {
      const text = chunk.toString();
      if (sink === 'stdout') stdout += text;
      else stderr += text;
      if (options.logger) for (const line of text.split(/\r?\n/)) if (line) options.logger.info(line);
    };
    child.stdout.on('data', (chunk: Buffer) => stream(chunk, 'stdout'));
    child.stderr.on('data', (chunk: Buffer) => stream(chunk, 'stderr'));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', kill);
      const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
      resolve({ exitCode: code ?? 128 + (signal ? (signals[signal] ?? 1) : 1), stdout, stderr });
    });
    // A program that exits without reading its input closes the pipe (EPIPE); its exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}
