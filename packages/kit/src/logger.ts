/** Where packages report progress; the action adapter backs it with @actions/core, the CLI with stderr. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
}

export function consoleLogger(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  return {
    debug: (message) => (process.env.SLIPWAY_DEBUG ? write(`debug: ${message}`) : undefined),
    info: (message) => write(message),
    warning: (message) => write(`warning: ${message}`),
    error: (message) => write(`error: ${message}`),
    group: async (title, body) => {
      write(`▸ ${title}`);
      return body();
    },
  };
}

/** Collects messages, for tests that assert on what a user would read. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = consoleLogger((line) => lines.push(line));
  return { ...logger, debug: (message) => lines.push(`debug: ${message}`), lines };
}
