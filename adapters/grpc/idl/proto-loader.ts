import { posix } from 'node:path';
import * as protobuf from 'protobufjs';
import { IdlError, type IdlFiles } from '../../../src/idl/model';
import { builtinProto, isPinnedBuiltin } from './proto-builtins';
import { blankComments, findDeclaration, findImport, lineStart, positionAt, tokenOffsetsOnLine, type SourcePos } from './proto-source-positions';

/**
 * Loads .proto sources from memory into a protobufjs Root, synchronously: each file is parsed
 * with protobuf.parse and its imports are followed by hand (pushed files first, then the
 * bundled ones), so a missing import or a syntax error can be reported at file:line:col.
 */

/** keepCase: field names stay as written (json names are derived from them, as protoc does). */
export const PARSE_OPTIONS: protobuf.IParseOptions = { keepCase: true };

/** Texts of the files loaded from source, by path, for locating later errors. */
export type LoadedSources = Map<string, string>;

export function loadProtoSources(root: protobuf.Root, entries: readonly string[], files: IdlFiles): LoadedSources {
  const sources: LoadedSources = new Map();
  const loaded = new Set<string>();

  const load = (path: string, importedFrom?: { file: string; pos: SourcePos | undefined }): void => {
    if (loaded.has(path)) return;
    const own = isPinnedBuiltin(path) ? undefined : files[path];
    const builtin = own === undefined ? builtinProto(path) : undefined;
    if (own === undefined && builtin === undefined) {
      if (importedFrom) {
        const near = importedFrom.file.includes('/') ? posix.join(posix.dirname(importedFrom.file), path) : path;
        if (near !== path && files[near] !== undefined) return load(near, importedFrom);
        throw new IdlError(`import "${path}" not found (not in the pushed files, not a bundled proto)`, importedFrom.file, importedFrom.pos?.line, importedFrom.pos?.col);
      }
      throw new IdlError(`file "${path}" is not in the bundle`, path);
    }
    loaded.add(path);
    if (builtin && 'json' in builtin) {
      root.addJSON(builtin.json.nested ?? {});
      return;
    }
    const text = own ?? (builtin as { text: string }).text;
    sources.set(path, text);
    let parsed: protobuf.IParserResult;
    try {
      setParseFilename(path);
      parsed = protobuf.parse(text, root, PARSE_OPTIONS);
    } catch (err) {
      throw parseError(path, text, err);
    } finally {
      setParseFilename(null);
    }
    let blanked: string | undefined;
    for (const imp of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      if (loaded.has(imp)) continue;
      blanked ??= blankComments(text);
      load(imp, { file: path, pos: findImport(blanked, imp) });
    }
  };

  for (const entry of entries) load(entry);
  return sources;
}

/** protobufjs reads the file name for its messages from a property of parse (not in its typings). */
function setParseFilename(name: string | null): void {
  (protobuf.parse as unknown as { filename: string | null }).filename = name;
}

const LINE_SUFFIX = /\s*\((?:[^()]*, )?line (\d+)\)$/;

/** A protobufjs parse failure as an IdlError with the best position that can be recovered. */
function parseError(file: string, text: string, err: unknown): IdlError {
  const message = err instanceof Error ? err.message : String(err);
  const lineMatch = LINE_SUFFIX.exec(message);
  const reason = message.replace(LINE_SUFFIX, '').replace(/^illegal end of input '[^']*'$/, 'unexpected end of input');
  if (lineMatch) {
    const line = Number(lineMatch[1]);
    if (/end of input/.test(message)) {
      // Point just past the last thing in the file, which is where more was expected.
      const end = positionAt(text, blankComments(text).trimEnd().length);
      return new IdlError(reason, file, end.line, end.col);
    }
    return new IdlError(reason, file, line, syntaxErrorColumn(file, text, line, message));
  }
  const blanked = blankComments(text);
  let pos: SourcePos | undefined;
  const dupName = /^(?:duplicate name|name) '([^']+)'/.exec(reason);
  const dupId = /^(?:duplicate id|id) (\d+)/.exec(reason);
  if (dupName) pos = findDeclaration(blanked, dupName[1]!);
  else if (dupId) pos = lastPattern(blanked, new RegExp(`=\\s*(${dupId[1]})\\b`, 'g'));
  return new IdlError(reason, file, pos?.line, pos?.col);
}

function lastPattern(blanked: string, re: RegExp): SourcePos | undefined {
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(blanked); m; m = re.exec(blanked)) last = m;
  return last ? positionAt(blanked, last.index + last[0].lastIndexOf(last[1]!)) : undefined;
}

/**
 * protobufjs names the line and the offending token but not the column. When the token occurs
 * more than once on the line, the right occurrence is the first one at which parsing the text
 * cut just after it fails with the same message.
 */
function syntaxErrorColumn(file: string, text: string, line: number, message: string): number {
  const blanked = blankComments(text);
  const start = lineStart(blanked, line);
  if (start < 0) return 1;
  const token = /'([^']*)'/.exec(message)?.[1];
  if (token === undefined) {
    // The tokenizer's own errors ("illegal string", "illegal comment") name no token.
    const lineText = blanked.slice(start).split('\n', 1)[0]!;
    const at = /string/.test(message) ? lineText.search(/["']/) : /comment/.test(message) ? text.slice(start).indexOf('/*') : -1;
    return at >= 0 ? at + 1 : /^[ \t]*/.exec(lineText)![0].length + 1;
  }
  const offsets = tokenOffsetsOnLine(blanked, line, token);
  if (offsets.length === 0) {
    const indent = /^[ \t]*/.exec(blanked.slice(start))![0].length;
    return indent + 1;
  }
  if (offsets.length > 1) {
    for (const at of offsets) {
      try {
        setParseFilename(file);
        protobuf.parse(text.slice(0, at + token.length), new protobuf.Root(), PARSE_OPTIONS);
      } catch (err) {
        if (err instanceof Error && err.message === message) return at - start + 1;
      } finally {
        setParseFilename(null);
      }
    }
  }
  return offsets[0]! - start + 1;
}
