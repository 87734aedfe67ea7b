import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { echoFiles } from './grpc-echo-server';

/** The echo fixture with `Echo` marked idempotent in the IDL (`Slow` and `Fail` are not), so retry codes apply to them only. */
export function idempotentEchoFiles(): Record<string, string> {
  const files = echoFiles();
  let proto = files['echo.proto'];
  for (const m of ['Echo']) {
    proto = proto.replace(new RegExp(`(rpc ${m}\\(\\w+\\) returns \\(\\w+\\));`), '$1 { option idempotency_level = IDEMPOTENT; }');
  }
  if (!proto.includes('IDEMPOTENT')) throw new Error('the echo fixture changed: cannot mark its methods idempotent');
  return { ...files, 'echo.proto': proto };
}

/** Writes a policy document into a fresh file and returns its path. */
export function policyFile(text: string, name = 'policy.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-policy-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A sidecar's /debug/snapshot. */
export async function debugSnapshot(admin: string): Promise<any> {
  const res = await fetch(`${admin}/debug/snapshot`);
  return res.json();
}
