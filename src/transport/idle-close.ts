import type { Http2Session, Http2Stream } from 'node:http2';

/**
 * Closes an HTTP/2 session once no stream has been open on it for `idleMs` (PINGs do not count),
 * in place of `session.setTimeout`: Node (20.x) never clears that timer when a session is
 * destroyed (closeSession marks the session destroyed first, and setTimeout(0) on a destroyed
 * session returns early), so every dead session stayed on the heap until its idle time ran out,
 * five minutes by default: one per call while a provider refused connections, one per
 * connection of an app that opens a channel per call. This timer is cleared when the session
 * closes. Streams the peer opens are counted from the session's 'stream' event; the returned
 * function counts a stream this side opened (`session.request()`).
 */
export function closeWhenIdle(session: Http2Session, idleMs: number, onIdle: () => void = () => session.close()): (stream: Http2Stream) => void {
  let open = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (closed || session.destroyed) return;
    timer = setTimeout(onIdle, idleMs);
    timer.unref();
  };
  const track = (stream: Http2Stream) => {
    if (open++ === 0) clearTimeout(timer);
    stream.once('close', () => {
      if (--open === 0) arm();
    });
  };
  session.on('stream', track);
  session.once('close', () => {
    closed = true;
    clearTimeout(timer);
  });
  arm();
  return track;
}
