import type { MeshError } from '../errors/mesh-error';
import type { MethodModel, PeerAnswer } from '../idl/model';

/**
 * Native callers of a protocol that has listeners of its own (`--thrift-listen`): the adapter
 * reads and writes the protocol's wire, the core's listener (src/sidecar/outbound/caller-listener.ts)
 * owns the sockets, the limits and the calls, which go through the same outbound layers as any.
 */
export interface CallerProtocol {
  /** A reader of one caller's connection. */
  connection(options: CallerConnectionOptions): CallerConnection;
}

export interface CallerConnectionOptions {
  /** The one service of a listener given `ADDR=SVC`; undefined when callers name the service in each message. */
  readonly service: string | undefined;
  /** Largest message (TRANSMESH_MAX_MESSAGE_BYTES), refused from its header when the wire has one. */
  readonly maxMessageBytes: number;
}

export interface CallerConnection {
  /**
   * The connection's next bytes; returns the messages they complete, in order. Throws MeshError
   * on bytes no client of this listener would send or a message over the limit: the listener then
   * closes the connection.
   */
  push(chunk: Buffer): CallerMessage[];
  /** Part of a message is buffered: the header timeout runs while this holds. */
  readonly partial: boolean;
  /**
   * A message may be complete but was not looked for, to keep the work linear while chunks
   * stream in: the listener calls `flush` once this I/O turn's chunks are in.
   */
  readonly deferred: boolean;
  /** The messages complete now, looked for whatever was deferred; throws as `push` does. */
  flush(): CallerMessage[];
}

/** One call read off a caller's connection, with what writes its answer in the caller's own wire. */
export interface CallerMessage {
  readonly service: string;
  readonly method: string;
  /** The caller waits for no answer (the message said so; the IDL may say so too). */
  readonly oneway: boolean;
  /** A name this listener cannot route (a plain name on a multiplexed listener): answered with `error`, never called. */
  readonly refused: MeshError | undefined;
  /** The request for a provider announcing `encoding`, converted when the caller's differs. */
  payloadFor(encoding: string | undefined): Uint8Array;
  /**
   * The caller's bytes for a provider's answer to `method`; throws MeshError when the answer is a
   * failure, so the call counts as one. A failure the caller gets in its protocol's own form (a
   * Thrift exception the IDL declares) throws too, after setting `answered`.
   */
  reply(answer: PeerAnswer, method: MethodModel): Buffer;
  /** Set by `reply` when it threw for an answer the caller gets as it came: the bytes to write instead of `error`'s. */
  readonly answered: Buffer | undefined;
  /** The caller's bytes for a failure: the one place a MeshError becomes the protocol's error. */
  error(err: MeshError): Buffer;
}
