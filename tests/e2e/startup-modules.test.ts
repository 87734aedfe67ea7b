import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * What the data plane loads: fastify, @peculiar/x509 and the Thrift IDL parser cost a sidecar
 * memory it never needs on the request path, so the sidecar must not load fastify or x509 at all
 * and the parser only once a bundle with .thrift files is compiled. A fresh node process on the built dist/ shows
 * what was really required.
 */
const dist = join(__dirname, '..', '..', 'dist', 'src');
const thriftDir = join(__dirname, '..', 'fixtures', 'thrift');

function loadedAfter(script: string): string[] {
  const prelude = `const loaded = () => Object.keys(require.cache).map((k) => (/node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(k) || [])[1]).filter(Boolean);`;
  const out = execFileSync(process.execPath, ['-e', `${prelude}\n${script}\nprocess.stdout.write(JSON.stringify([...new Set(loaded())]));`], { encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

describe('modules the sidecar loads', () => {
  test('the sidecar (all three listeners) loads neither fastify nor the Thrift parser nor @peculiar/x509', () => {
    const mods = loadedAfter(`require(${JSON.stringify(join(dist, 'node', 'protocols.js'))}).registerProtocols(); require(${JSON.stringify(join(dist, 'cli', 'sidecar-command.js'))}); require(${JSON.stringify(join(dist, 'sidecar', 'sidecar.js'))});`);
    expect(mods).toContain('protobufjs');
    expect(mods).not.toContain('fastify');
    expect(mods).not.toContain('@creditkarma/thrift-parser');
    // Its signing request is encoded with node:crypto (src/identity/csr.ts); only a control plane parses certificates with it.
    expect(mods).not.toContain('@peculiar/x509');
    expect(mods).not.toContain('reflect-metadata');
  });

  test('compiling a bundle loads the Thrift parser only when it has .thrift files', () => {
    const compile = JSON.stringify(join(dist, 'protocol', 'compile-bundle.js'));
    const register = JSON.stringify(join(dist, 'node', 'protocols.js'));
    const protoOnly = `require(${register}).registerProtocols();
      const { compileBundle } = require(${compile});
      const b = compileBundle({ 'a.proto': 'syntax = "proto3"; package a.v1; message M { string s = 1; } service S { rpc Get(M) returns (M); }' }, ['a.proto']);
      if (b.services[0].name !== 'a.v1.S') throw new Error('not compiled');`;
    expect(loadedAfter(protoOnly)).not.toContain('@creditkarma/thrift-parser');
    const withThrift = `${protoOnly}
      const fs = require('node:fs');
      const files = { 'shop.thrift': fs.readFileSync(${JSON.stringify(join(thriftDir, 'shop.thrift'))}, 'utf8'), 'common.thrift': fs.readFileSync(${JSON.stringify(join(thriftDir, 'common.thrift'))}, 'utf8') };
      const t = compileBundle(files, ['shop.thrift']);
      if (!t.services.some((s) => s.name === 'shop.Catalog')) throw new Error('thrift not compiled: ' + t.services.map((s) => s.name));`;
    expect(loadedAfter(withThrift)).toContain('@creditkarma/thrift-parser');
  });
});
