/**
 * A parsed JSON value. Integers that a double cannot hold exactly arrive as `bigint`
 * (see parse-json.ts), so 64-bit ids keep every digit; every other number is a `number`.
 */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };
