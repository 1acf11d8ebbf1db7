/**
 * Secrets are registered before they are used, so every sink (GitHub's log masker, our own redaction of
 * summaries and outputs) knows them before any of them could be printed.
 */
export interface SecretSink {
  (secret: string): void;
}

export class Secrets {
  private readonly known = new Set<string>();

  constructor(private readonly sink: SecretSink = () => undefined) {}

  register(secret: string | undefined): void {
    if (!secret || this.known.has(secret)) return;
    this.known.add(secret);
    this.sink(secret);
    // Multi-line secrets are masked line by line by the runner; mirror that.
    for (const line of secret.split(/\r?\n/)) if (line.trim() && line !== secret) this.register(line);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of [...this.known].sort((a, b) => b.length - a.length)) {
      result = result.split(secret).join('***');
    }
    return result;
  }
}
