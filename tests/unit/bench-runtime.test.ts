import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions } from '../../bench/options';
import { findNode24, resolveRuntime, runtimeLine } from '../../bench/runtime';

/** Node 24 is the runtime the bench reports first; --node system keeps the bench's own node. */
describe('the bench runtime', () => {
  let cache: string;
  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), 'transmesh-node24-'));
  });
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  const unpack = (version: string) => {
    mkdirSync(join(cache, `node24-${version}`, 'bin'), { recursive: true });
    symlinkSync(process.execPath, join(cache, `node24-${version}`, 'bin', 'node'));
  };

  test('the cache: the newest node24-<version> by version, not by name; TRANSMESH_NODE24 first', () => {
    expect(findNode24({ TRANSMESH_CACHE_DIR: cache })).toBeUndefined();
    unpack('24.9.0');
    unpack('24.22.3');
    mkdirSync(join(cache, 'node24-24.30.0')); // an unpacking that did not finish: no bin/node
    expect(findNode24({ TRANSMESH_CACHE_DIR: cache })).toBe(join(cache, 'node24-24.22.3', 'bin', 'node'));
    expect(findNode24({ TRANSMESH_CACHE_DIR: cache, TRANSMESH_NODE24: process.execPath })).toBe(process.execPath);
    expect(findNode24({ TRANSMESH_CACHE_DIR: join(cache, 'none') })).toBeUndefined();
  });

  test('system: the node running the bench, no fetching', () => {
    const rt = resolveRuntime('system', () => {
      throw new Error('not asked');
    });
    expect(rt).toEqual({ asked: 'system', node: process.execPath, version: process.version });
    expect(runtimeLine(rt)).toContain('(bench runtime: sidecars, control plane, providers, load generator)');
  });

  test('24 when it cannot be had: the system node, and a fallback that says why', () => {
    const rt = resolveRuntime('24', () => undefined, () => {
      throw new Error('npm pack failed: E404');
    });
    expect(rt.node).toBe(process.execPath);
    expect(rt.fallback).toBe(`Node 24 could not be fetched (npm pack failed: E404); running on the system node ${process.version} instead`);
    expect(runtimeLine(rt)).toContain('FALLBACK: Node 24 could not be fetched');
  });

  test('24 found but not a Node 24 (this test runs on another): refused, saying which version it is', () => {
    if (process.version.startsWith('v24.')) return;
    const rt = resolveRuntime('24', () => process.execPath);
    expect(rt.fallback).toContain(`is ${process.version}, not Node 24`);
  });

  test('a path: used as given, whatever its version; a missing one falls back', () => {
    expect(resolveRuntime(process.execPath)).toEqual({ asked: process.execPath, node: process.execPath, version: process.version });
    expect(resolveRuntime(join(cache, 'nope')).fallback).toContain('does not exist');
  });
});

describe('bench options', () => {
  test('--node defaults to 24; --node system and a path are taken as given', () => {
    expect(parseOptions([]).node).toBe('24');
    expect(parseOptions(['--node', 'system']).node).toBe('system');
    expect(parseOptions(['--node=/opt/node/bin/node']).node).toBe('/opt/node/bin/node');
  });

  test('--peers implies the native gRPC and the FastCGI rows, in a quick run too', () => {
    expect(parseOptions(['--quick', '--peers'])).toMatchObject({ peers: true, native: true, php: true });
    expect(parseOptions(['--quick'])).toMatchObject({ peers: false, native: false, php: false });
  });
});
