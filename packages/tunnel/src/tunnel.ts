/** A local port on 127.0.0.1 that reaches the remote host, and how to close it (idempotent). */
export interface Tunnel {
  mode: 'ssh' | 'ssm';
  localPort: number;
  close(): Promise<void>;
}
