/** An error answered in the AWS JSON protocol: `{"__type": type, "message": message}` with `status`. */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}
