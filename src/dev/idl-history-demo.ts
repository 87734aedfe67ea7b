import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushIdl, say } from './push-idl';

const DRAFT_FIELD = 'string name = 3;';
const REAL_FIELD = 'string display_name = 3;';

/**
 * The demo's IDL, pushed so that its history shows one forced push: first an early draft of
 * users.proto (field 3 of User still called `name`, made here from the real file), then the
 * real files with --allow-breaking, because renaming a field breaks the draft's JSON callers
 * and `idl push` refuses that by default. `idl ls --history` and `idl diff` then have a story.
 */
export async function pushExampleIdl(cli: string[], nats: string, root: string): Promise<void> {
  const idl = join(root, 'idl');
  const users = join(idl, 'acme/users/v1/users.proto');
  const real = readFileSync(users, 'utf8');
  if (!real.includes(REAL_FIELD)) throw new Error(`${users} no longer has "${REAL_FIELD}": update src/dev/idl-history-demo.ts`);
  const draftDir = mkdtempSync(join(tmpdir(), 'transmesh-dev-draft-'));
  try {
    mkdirSync(join(draftDir, 'acme/users/v1'), { recursive: true });
    writeFileSync(join(draftDir, 'acme/users/v1/users.proto'), real.replace(REAL_FIELD, DRAFT_FIELD));
    await pushIdl(cli, nats, [join(draftDir, 'acme/users/v1/users.proto')], [draftDir, idl]);
    say('  (that was an early draft of users.proto, where field 3 of acme.users.v1.User is "name")');
    say('the real users.proto calls field 3 "display_name": a rename breaks every JSON caller of the draft, so');
    say('idl push refuses it; the demo pushes it once with --allow-breaking, and the history records that:');
    await pushIdl(cli, nats, [users, join(idl, 'orders.thrift')], [idl], ['--allow-breaking']);
    say('see: transmesh idl ls --history acme.users.v1.UserService   and   transmesh idl diff acme.users.v1.UserService');
  } finally {
    rmSync(draftDir, { recursive: true, force: true });
  }
}
