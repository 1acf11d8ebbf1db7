/** Every failure Slipway reports carries a stable code documented in docs/troubleshooting.md. */
export class SlipwayError extends Error {
  readonly code: string;
  readonly remedy?: string;
  /** What was observed, shown under the message so the annotation alone explains the failure. */
  readonly evidence: readonly string[];

  constructor(
    code: string,
    message: string,
    options: { remedy?: string; evidence?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.remedy = options.remedy;
    this.evidence = options.evidence ?? [];
  }

  /** The form shown in annotations and logs: code, message and remedy, then any evidence lines. */
  describe(): string {
    const line = `${this.code}: ${this.message}${this.remedy ? ` ${this.remedy}` : ''}`;
    return [line, ...this.evidence].join('\n');
  }
}

/** The user asked for something impossible or wrong; nothing was changed. */
export class ConfigurationError extends SlipwayError {}

export const UNEXPECTED_ERROR = 'SLW-KIT-000';
