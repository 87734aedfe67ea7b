import type { Socket } from 'node:net';

/**
 * Batches the frames written within one turn of the event loop into one socket write: the socket
 * is corked at the first write and uncorked in the check phase (setImmediate), after every I/O
 * callback of this turn has run, so calls that arrived or were answered together, even on
 * different connections, leave in one writev.
 */
export class CorkedWriter {
  private corked = false;

  constructor(readonly socket: Socket) {}

  write(frame: Buffer): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      setImmediate(uncork, this);
    }
    socket.write(frame);
  }

  /** Sends what is corked now (before a close, which must not leave frames behind). */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }
}

function uncork(w: CorkedWriter): void {
  w.flush();
}
