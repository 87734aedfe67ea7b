/**
 * What the breaking-change checks of both IDLs report: every difference between two versions
 * of a bundle, the breaking ones carrying the rule they break. The rule engines themselves are
 * per protocol (proto-compat.ts, thrift-compat.ts); this is all they share.
 */

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface IdlChange {
  readonly kind: ChangeKind;
  /** message, field, enum, enum value, service, method, struct, exception, file... */
  readonly element: string;
  /** Fully qualified: `acme.users.v1.User.age`, `acme.users.v1.UserService.GetUser`. */
  readonly name: string;
  /** One sentence: what changed, from what to what. */
  readonly what: string;
  /** Set when the change breaks a caller or a provider already deployed. */
  readonly rule?: string;
  /** Where, in the newer version (the enclosing declaration when the element itself is gone). */
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type BreakingChange = IdlChange & { readonly rule: string };

export function isBreaking(c: IdlChange): c is BreakingChange {
  return c.rule !== undefined;
}

/** `users.proto:14:3: FIELD_WIRE_JSON_COMPATIBLE_TYPE: field "age" ... changed from int32 to string` */
export function problemLine(c: BreakingChange): string {
  return `${c.file}:${c.line}:${c.col}: ${c.rule}: ${c.what}`;
}

/** Problem lines in file and position order, each once (two services sharing a message report it once). */
export function problemLines(changes: readonly IdlChange[]): string[] {
  const sorted = changes.filter(isBreaking).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.rule.localeCompare(b.rule));
  return [...new Set(sorted.map(problemLine))];
}

/** What to compare: the services named (the others of a bundle keep their own versions); types are compared wherever both versions define them. */
export interface CompatScope {
  readonly services: ReadonlySet<string> | 'all';
}

export function inScope(scope: CompatScope, service: string): boolean {
  return scope.services === 'all' || scope.services.has(service);
}

/** Changes in a stable order for `idl diff`: by file, position, then name. */
export function sortChanges(changes: readonly IdlChange[]): IdlChange[] {
  const seen = new Set<string>();
  const out: IdlChange[] = [];
  for (const c of [...changes].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.name.localeCompare(b.name))) {
    const key = `${c.kind}|${c.element}|${c.name}|${c.rule ?? ''}|${c.what}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}
