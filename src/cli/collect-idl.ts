import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { protoImportsOf } from '../compile/proto-compile';
import { thriftIncludesOf } from '../compile/thrift-compile';
import { UsageError } from './args';

/** The well-known and google.rpc protos ship with the mesh; they are never uploaded. */
const builtin = /^google\/(protobuf|rpc|api)\//;

export function builtinImport(path: string): boolean {
  return builtin.test(path);
}

export interface CollectedIdl {
  files: Record<string, string>;
  entries: string[];
}

/**
 * Reads the files named on the command line and every import or include they reach, keyed
 * the way the IDL refers to them: proto imports by their import path (relative to an -I
 * directory), Thrift includes relative to the including file.
 */
export function collectIdl(paths: string[], includeDirs: string[]): CollectedIdl {
  const files: Record<string, string> = {};
  const entries: string[] = [];
  const queue: Array<{ key: string; disk: string }> = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(`${p}: no such file`);
    const key = keyFor(p, includeDirs);
    entries.push(key);
    queue.push({ key, disk: p });
  }
  while (queue.length) {
    const { key, disk } = queue.shift()!;
    if (files[key] !== undefined) continue;
    const content = readFileSync(disk, 'utf8');
    files[key] = content;
    const isProto = key.endsWith('.proto');
    for (const ref of isProto ? protoImportsOf(content) : thriftIncludesOf(content)) {
      if (isProto && builtin.test(ref)) continue;
      const refKey = isProto ? ref : normalize(join(dirname(key), ref)).split(sep).join('/');
      if (files[refKey] !== undefined) continue;
      const candidates = [join(dirname(disk), isProto ? ref : ref), ...includeDirs.map((d) => join(d, ref))];
      const found = candidates.find((c) => existsSync(c));
      // Not found here: the control plane reports it with the importing file's line and column.
      if (found) queue.push({ key: refKey, disk: found });
    }
  }
  return { files, entries };
}

function keyFor(path: string, includeDirs: string[]): string {
  const abs = resolve(path);
  for (const dir of includeDirs) {
    const rel = relative(resolve(dir), abs);
    if (!rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
  }
  return abs.split(sep).pop()!;
}
