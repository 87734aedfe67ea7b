/**
 * The 64-bit scalar types of protobuf, each with whether it is unsigned. They share one JSON form
 * (a decimal string, or a number on request) and protobufjs decodes them as Long: every place
 * that treats them apart from the 32-bit types asks this table.
 */
const INT64_UNSIGNED: ReadonlyMap<string, boolean> = new Map([
  ['int64', false],
  ['sint64', false],
  ['sfixed64', false],
  ['uint64', true],
  ['fixed64', true],
]);

/** Whether `type` is unsigned when it is a 64-bit integer type; undefined for any other type. */
export function int64Unsigned(type: string): boolean | undefined {
  return INT64_UNSIGNED.get(type);
}
