import { createParser, createScanner, SyntaxType, ThriftDocument, ThriftError } from '@creditkarma/thrift-parser';
import { IdlError } from '../../../src/idl/model';

/**
 * Parses one .thrift file. The library's own `parse()` prints errors to the console; driving
 * its scanner and parser with our own reporter keeps it silent and keeps the positions.
 */
export function parseThrift(file: string, content: string): ThriftDocument {
  const errors: ThriftError[] = [];
  let doc: ThriftDocument;
  try {
    const scanner = createScanner(content, (err) => {
      errors.push(err);
      scanner.syncronize();
    });
    const tokens = scanner.scan();
    const parser = createParser(tokens, (err) => {
      errors.push(err);
      parser.synchronize();
    });
    doc = parser.parse();
  } catch (err) {
    const first = errors[0];
    if (first) throw new IdlError(first.message, file, first.loc.start.line, first.loc.start.column);
    throw new IdlError(`cannot parse: ${(err as Error).message}`, file);
  }
  const first = errors[0];
  if (first) throw new IdlError(first.message, file, first.loc.start.line, first.loc.start.column);
  return doc;
}

const INCLUDE_LINE = /^\s*include\s+["']([^"']+)["']/gm;

/** The include paths of a .thrift file as written, for collecting the files to push. */
export function thriftIncludesOf(content: string): string[] {
  try {
    const doc = parseThrift('', content);
    const out: string[] = [];
    for (const s of doc.body) if (s.type === SyntaxType.IncludeDefinition) out.push(s.path.value);
    return out;
  } catch {
    // A file with a syntax error still has its includes pushed; the control plane reports the error.
    const stripped = content.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(\/\/|#).*$/gm, '');
    return [...stripped.matchAll(INCLUDE_LINE)].map((m) => m[1]);
  }
}
