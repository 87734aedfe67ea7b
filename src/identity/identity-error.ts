/** A refused signing request or CA problem: its message is the one-line reason a sidecar prints. */
export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}
