import type { IdlDiff } from '../registry/idl-store';

const SIGN = { added: '+', removed: '-', changed: '~' } as const;

/**
 * `transmesh idl diff` for a terminal: one change a line, `+` added, `-` removed, `~` changed,
 * and `!` with the rule and position in front of each breaking one.
 */
export function diffLines(d: IdlDiff): string[] {
  const breaking = d.changes.filter((c) => c.rule).length;
  const head = `${d.service}: version ${d.from} → ${d.to}, ${d.changes.length ? `${d.changes.length} change${d.changes.length === 1 ? '' : 's'}` : 'no changes'}${breaking ? `, ${breaking} breaking` : ''}`;
  return [
    head,
    ...d.changes.map((c) => (c.rule ? `! ${SIGN[c.kind]} ${c.what}  [${c.rule} at ${c.file}:${c.line}:${c.col}]` : `  ${SIGN[c.kind]} ${c.what}`)),
  ];
}
