import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export interface ShellCommand {
  /** The exit code; a signal-killed command exits 128+n, as a shell reports it. */
  exited: Promise<number>;
  /** SIGTERM to the command's process group, then SIGKILL if it has not exited after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export interface ShellOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Each line of stdout and stderr, as it comes. */
  onLine: (line: string) => void;
}

/** Runs `command` with /bin/sh in a process group of its own, so stopping it reaches what it started. */
export function startShell(command: string, options: ShellOptions): ShellCommand {
  const child = spawn('/bin/sh', ['-c', command], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop()!;
      for (const line of lines) if (line) options.onLine(line);
    });
    stream.on('end', () => partial && options.onLine(partial));
  }
  // 'close' waits for the pipes too, so a grandchild still writing keeps the command "running".
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1)),
    );
  });
  let done = false;
  void exited.then(
    () => (done = true),
    () => (done = true),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is gone already.
    }
  };
  let stopping: Promise<void> | undefined;
  return {
    exited,
    stop: (graceMs = 2_000) =>
      (stopping ??= (async () => {
        if (done || child.pid === undefined) return;
        signalGroup('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const inTime = await Promise.race([
          exited.then(
            () => true,
            () => true,
          ),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
        ]);
        clearTimeout(timer);
        if (!inTime) {
          signalGroup('SIGKILL');
          await exited.catch(() => undefined);
        }
      })()),
  };
}
