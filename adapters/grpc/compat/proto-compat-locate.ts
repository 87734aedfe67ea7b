import type * as protobuf from 'protobufjs';
import type { IdlFiles } from '../../../src/idl/model';
import { blankComments, escapeRegExp, positionAt, type SourcePos } from '../idl/proto-source-positions';

export interface Located {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/**
 * Positions of declarations in the newer version's .proto text, for the problems of the
 * breaking-change check. protobufjs keeps only the file name, so declarations are found by
 * scanning the comment-blanked source, each inside its parent's braces.
 */
export class ProtoLocator {
  private readonly blanked = new Map<string, string>();

  constructor(private readonly files: IdlFiles) {}

  /** A message, enum, service or rpc declaration; its parent's when it is not found. */
  declaration(obj: protobuf.ReflectionObject): Located {
    const file = obj.filename ?? '';
    const text = this.text(file);
    if (text === undefined) return { file, line: 1, col: 1 };
    const [from, to] = this.blockRange(text, obj.parent);
    const keyword = 'methods' in obj ? 'service' : 'values' in obj ? 'enum' : 'requestType' in obj ? 'rpc' : 'message';
    const re = new RegExp(`\\b${keyword}\\s+(${escapeRegExp(obj.name)})\\b`, 'g');
    return this.at(file, text, re, from, to) ?? (obj.parent && obj.parent.parent ? this.declaration(obj.parent) : { file, line: 1, col: 1 });
  }

  /** `name = N` of a field or enum value inside its parent's braces. */
  member(parent: protobuf.ReflectionObject, name: string, number: number): Located {
    const file = parent.filename ?? '';
    const text = this.text(file);
    if (text === undefined) return { file, line: 1, col: 1 };
    const [from, to] = this.blockRange(text, parent);
    const re = new RegExp(`(?:^|[\\s;{>])(${escapeRegExp(name)})\\s*=\\s*${number}\\b`, 'gm');
    return this.at(file, text, re, from, to) ?? this.declaration(parent);
  }

  /** The type token of a field (the value type of a map). */
  fieldType(field: protobuf.Field): Located {
    const parent = field.parent!;
    const file = parent.filename ?? '';
    const text = this.text(file);
    if (text === undefined) return { file, line: 1, col: 1 };
    const [from, to] = this.blockRange(text, parent);
    const re = new RegExp(`(?:^|[\\s;{,<])(${escapeRegExp(field.type)})\\s*>?\\s*${escapeRegExp(field.name)}\\s*=`, 'gm');
    return this.at(file, text, re, from, to) ?? this.member(parent, field.name, field.id);
  }

  /** The `package` statement of a file, or its first line. */
  packageOf(file: string): Located {
    const text = this.text(file);
    if (text === undefined) return { file, line: 1, col: 1 };
    return this.at(file, text, /\bpackage\s+([\w.]+)/g, 0, text.length) ?? { file, line: 1, col: 1 };
  }

  private text(file: string): string | undefined {
    let b = this.blanked.get(file);
    if (b === undefined && this.files[file] !== undefined) {
      b = blankComments(this.files[file]);
      this.blanked.set(file, b);
    }
    return b;
  }

  private at(file: string, text: string, re: RegExp, from: number, to: number): Located | undefined {
    re.lastIndex = from;
    const m = re.exec(text);
    if (!m || m.index >= to) return undefined;
    const pos: SourcePos = positionAt(text, m.index + m[0].lastIndexOf(m[1]!));
    return { file, ...pos };
  }

  /** The offsets between the braces of a declaration (the whole file for the root or a package). */
  private blockRange(text: string, obj: protobuf.ReflectionObject | null): [number, number] {
    if (!obj || !obj.parent || !('fieldsArray' in obj || 'values' in obj || 'methods' in obj)) return [0, text.length];
    const [from, to] = this.blockRange(text, obj.parent);
    const keyword = 'methods' in obj ? 'service' : 'values' in obj ? 'enum' : 'message';
    const re = new RegExp(`\\b${keyword}\\s+${escapeRegExp(obj.name)}\\s*\\{`, 'g');
    re.lastIndex = from;
    const m = re.exec(text);
    if (!m || m.index >= to) return [from, to];
    let depth = 0;
    for (let i = m.index + m[0].length - 1; i < text.length; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) return [m.index + m[0].length, i];
    }
    return [m.index, text.length];
  }
}
