import type { JsonValue } from '../../../src/json/json-value';
import type { ValueOut } from './scalars-out';
import type { WireWriter } from './wire-writer';

/**
 * The compiled per-type writer and reader shapes, in a file of their own so the well-known-type
 * converters and the message converters can both name them without importing each other.
 */

/** Writes the fields of one message (not its tag or length). `d` is the message nesting depth. */
export type MessageWrite = (v: JsonValue, w: WireWriter, d: number) => void;

export interface MessageWriter {
  write: MessageWrite;
}

/** Writes one message as JSON text. */
export interface MessageOut {
  write: ValueOut;
}
