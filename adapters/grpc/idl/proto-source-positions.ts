/**
 * Finding where things are in .proto text, for error messages with file:line:col. protobufjs
 * reports at best a line, so positions are recovered by scanning the source with comments
 * blanked out (offsets and line breaks preserved).
 */

export interface SourcePos {
  line: number;
  col: number;
}

/** The source with // and /* comments replaced by spaces; string literals left alone. */
export function blankComments(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      let j = i;
      while (j < n && text[j] !== '\n') j++;
      out += ' '.repeat(j - i);
      i = j;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const j = end < 0 ? n : end + 2;
      out += text.slice(i, j).replace(/[^\n]/g, ' ');
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function positionAt(text: string, index: number): SourcePos {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: index - lineStart + 1 };
}

/** Offset of the first character of 1-based `line`, or -1. */
export function lineStart(text: string, line: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    at = text.indexOf('\n', at);
    if (at < 0) return -1;
    at++;
  }
  return at;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const IDENT_CHAR = /[A-Za-z0-9_]/;

/** Offsets (in the whole text) of each whole-token occurrence of `token` on `line`. */
export function tokenOffsetsOnLine(blanked: string, line: number, token: string): number[] {
  const start = lineStart(blanked, line);
  if (start < 0 || token === '') return [];
  let end = blanked.indexOf('\n', start);
  if (end < 0) end = blanked.length;
  const identLike = IDENT_CHAR.test(token[0]!) || IDENT_CHAR.test(token[token.length - 1]!);
  const found: number[] = [];
  for (let at = blanked.indexOf(token, start); at >= 0 && at + token.length <= end; at = blanked.indexOf(token, at + 1)) {
    if (identLike && (IDENT_CHAR.test(blanked[at - 1] ?? '') || IDENT_CHAR.test(blanked[at + token.length] ?? ''))) continue;
    found.push(at);
  }
  return found;
}

/** Position of the first match of `re` (run on blanked text), at capture group 1 when present. */
export function findPattern(blanked: string, re: RegExp): SourcePos | undefined {
  const m = re.exec(blanked);
  if (!m) return undefined;
  const offset = m[1] !== undefined ? m.index + m[0].indexOf(m[1]) : m.index;
  return positionAt(blanked, offset);
}

/** The `import "path";` statement naming `path`. */
export function findImport(blanked: string, path: string): SourcePos | undefined {
  return findPattern(blanked, new RegExp(`\\bimport\\s+(?:weak\\s+|public\\s+)?["']${escapeRegExp(path)}["']`));
}

/** The type token of field `name` declared with type `type` (plain, repeated, optional or map value). */
export function findFieldType(blanked: string, type: string, name: string): SourcePos | undefined {
  return findPattern(blanked, new RegExp(`(?:^|[\\s;{,<])(${escapeRegExp(type)})\\s*>?\\s*${escapeRegExp(name)}\\s*=`, 'm'));
}

/** The request or response type token of `rpc method(...) returns (...)`. */
export function findRpcType(blanked: string, method: string, type: string): SourcePos | undefined {
  const rpc = new RegExp(`\\brpc\\s+${escapeRegExp(method)}\\s*\\(`).exec(blanked);
  if (!rpc) return undefined;
  const re = new RegExp(`(?:^|[^\\w.])(${escapeRegExp(type)})(?![\\w.])`, 'g');
  re.lastIndex = rpc.index;
  const m = re.exec(blanked);
  return m ? positionAt(blanked, m.index + m[0].lastIndexOf(m[1]!)) : positionAt(blanked, rpc.index);
}

/** Where `name` is declared (message, enum, service, rpc, field or enum value); the last one when repeated. */
export function findDeclaration(blanked: string, name: string): SourcePos | undefined {
  const n = escapeRegExp(name);
  const re = new RegExp(`\\b(?:message|enum|service|rpc)\\s+(${n})\\b|(?:^|[\\s;{])(${n})\\s*=\\s*-?\\d`, 'gm');
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(blanked); m; m = re.exec(blanked)) last = m;
  if (!last) return undefined;
  const group = last[1] ?? last[2]!;
  return positionAt(blanked, last.index + last[0].lastIndexOf(group));
}
