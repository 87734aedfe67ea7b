import { readFileSync } from 'node:fs';
import { repoRoot } from '../../src/config/repo-root';
import * as path from 'node:path';
import { compileThrift } from '../../adapters/thrift/thrift-compile';
import type { ServiceModel } from '../../src/idl/model';
import type { ThriftMethod } from '../../adapters/thrift/thrift-model';

const DIR = path.join(repoRoot, 'tests/fixtures/thrift');

/** The test IDL as a bundle: `shop.thrift` and the `common.thrift` it includes. */
export function shopFiles(): Record<string, string> {
  return {
    'shop.thrift': readFileSync(path.join(DIR, 'shop.thrift'), 'utf8'),
    'common.thrift': readFileSync(path.join(DIR, 'common.thrift'), 'utf8'),
  };
}

export function shopService(name = 'shop.Catalog'): ServiceModel {
  const svc = compileThrift(shopFiles(), ['shop.thrift']).services.find((s) => s.name === name);
  if (!svc) throw new Error(`no service ${name}`);
  return svc;
}

export function thriftMethod(svc: ServiceModel | undefined, name: string): ThriftMethod {
  const m = svc?.methods.get(name);
  if (!m || !('encodeArgs' in m)) throw new Error(`no thrift method ${name}`);
  return m as ThriftMethod;
}
