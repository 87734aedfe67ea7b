/**
 * gRPC status codes, by name. The names are the stable error codes of the whole mesh:
 * every failure a caller sees carries one of them, whatever raised it.
 */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type CodeName = keyof typeof Code;

const names: CodeName[] = [];
for (const [name, num] of Object.entries(Code)) names[num] = name as CodeName;

/** The name of a numeric gRPC status; numbers outside the table are UNKNOWN, as gRPC says. */
export function codeName(num: number): CodeName {
  return names[num] ?? 'UNKNOWN';
}

export function isCodeName(s: string): s is CodeName {
  return Object.prototype.hasOwnProperty.call(Code, s);
}
