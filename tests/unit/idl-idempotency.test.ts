import { compileProto } from '../../adapters/grpc/proto-compile';
import { compileThrift } from '../../adapters/thrift/thrift-compile';
import { collectIdl } from '../../src/cli/collect-idl';
import { compileBundle } from '../../src/protocol/compile-bundle';
import { join } from 'node:path';
import { repoRoot } from '../../src/config/repo-root';

const flags = (methods: ReadonlyMap<string, { idempotent: boolean }>) => Object.fromEntries([...methods].map(([n, m]) => [n, m.idempotent]));

describe('idempotency from the IDL', () => {
  test('proto: idempotency_level IDEMPOTENT or NO_SIDE_EFFECTS marks a method; anything else does not', () => {
    const proto = `syntax = "proto3"; package p; message M {}
service S {
  rpc Read(M) returns (M) { option idempotency_level = NO_SIDE_EFFECTS; }
  rpc Put(M) returns (M) { option idempotency_level = IDEMPOTENT; }
  rpc Unknown(M) returns (M) { option idempotency_level = IDEMPOTENCY_UNKNOWN; }
  rpc Plain(M) returns (M);
}`;
    const { bundle } = compileProto({ 'p.proto': proto });
    expect(flags(bundle.services[0].methods)).toEqual({ Read: true, Put: true, Unknown: false, Plain: false });
    // Only NO_SIDE_EFFECTS lets a Connect caller use GET.
    const getOk = Object.fromEntries([...bundle.services[0].methods].map(([n, m]) => [n, m.noSideEffects]));
    expect(getOk).toEqual({ Read: true, Put: false, Unknown: false, Plain: false });
  });

  test('thrift: (transmesh.idempotent = "true") on a function marks it, inherited methods keep their mark', () => {
    const thrift = `service Base { i32 get(1: i32 id) (transmesh.idempotent = "true") }
service S extends Base {
  void put(1: i32 id) (transmesh.idempotent = "false"),
  i32 count() (transmesh.idempotent = "true"),
  void plain(),
}`;
    const { services } = compileThrift({ 'm.thrift': thrift });
    expect(flags(services.find((s) => s.name === 'm.S')!.methods)).toEqual({ get: true, put: false, count: true, plain: false });
  });

  test('the examples in idl/ mark their read-only methods', () => {
    const idl = join(repoRoot, 'idl');
    const bundle = collectIdl([join(idl, 'acme/users/v1/users.proto'), join(idl, 'orders.thrift')], [idl]);
    const loaded = compileBundle(bundle.files, bundle.entries);
    const byName = Object.fromEntries(loaded.services.map((s) => [s.name, flags(s.methods)]));
    expect(byName['acme.users.v1.UserService']).toEqual({ GetUser: true, CreateUser: false, ListUsers: true });
    expect(byName['orders.OrderService']).toMatchObject({ getOrder: true, listOrders: true, countOrders: true, createOrder: false, cancelOrder: false, recordEvent: false });
  });
});
