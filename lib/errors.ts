/** Base of every domain error: a stable machine-readable code, an HTTP status and a hint for the caller. */
export class L402TrainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
