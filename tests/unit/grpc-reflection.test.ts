import * as protobuf from 'protobufjs';
import * as descriptorExt from 'protobufjs/ext/descriptor';
import { compileProto } from '../../adapters/grpc/proto-compile';
import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyIdl, IdlSnapshot } from '../../src/snapshot/snapshots';
import { GrpcReflection } from '../../src/sidecar/outbound/grpc-reflection';
import { lenField, readFields, varintField } from '../../src/sidecar/outbound/grpc-wire';

const FileDescriptorProto = (descriptorExt as unknown as { FileDescriptorProto: protobuf.Type }).FileDescriptorProto;

const files = {
  'shop/v1/shop.proto': `syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
import "shop/v1/money.proto";
service Shop { rpc Buy(Order) returns (Order); rpc Watch(Order) returns (stream Order); }
message Order {
  message Line { string sku = 1; common.Money price = 2; }
  enum State { STATE_UNSPECIFIED = 0; PAID = 1; }
  repeated Line lines = 1;
  map<string, Line> by_sku = 2;
  State state = 3;
  optional string note = 4;
  oneof pay { string card = 5; string iban = 6; }
  google.protobuf.Timestamp at = 7;
}`,
  'shop/v1/money.proto': 'syntax = "proto3"; package common; message Money { int64 units = 1; }',
};

function reflection(): GrpcReflection {
  const cell = new SnapshotCell<IdlSnapshot>(emptyIdl);
  const { bundle } = compileProto(files, ['shop/v1/shop.proto']);
  cell.swap({ services: new Map(bundle.services.map((model) => [model.name, { model, version: 1 }])), loadedAt: 1 });
  return new GrpcReflection(cell);
}

/** The fields of a ServerReflectionResponse: 4 → the descriptors, 6 → services, 7 → error. */
function fieldsOf(message: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  readFields(message, (f, v) => {
    if (Buffer.isBuffer(v)) out.set(f, [...(out.get(f) ?? []), v]);
  }, 'response');
  return out;
}

function descriptorsOf(answer: Buffer): any[] {
  const list = fieldsOf(answer).get(4)![0];
  return [...fieldsOf(list).get(1)!].map((b) => FileDescriptorProto.toObject(FileDescriptorProto.decode(b), { defaults: false }));
}

test('list_services names the registry\'s .proto services', () => {
  const answer = reflection().answer(lenField(7, ''));
  const services = fieldsOf(fieldsOf(answer).get(6)![0]).get(1)!.map((s) => fieldsOf(s).get(1)![0].toString());
  expect(services).toEqual(['shop.v1.Shop']);
  expect(fieldsOf(answer).get(2)![0]).toEqual(lenField(7, ''));
});

test('file_containing_symbol: the file first, then every file it needs; types fully qualified, maps and optional as protoc writes them', () => {
  const files = descriptorsOf(reflection().answer(lenField(4, 'shop.v1.Order.Line')));
  expect(files.map((f) => f.name)).toEqual(['shop/v1/shop.proto', 'google/protobuf/timestamp.proto', 'shop/v1/money.proto']);
  const shop = files[0];
  expect(shop.dependency).toEqual(['google/protobuf/timestamp.proto', 'shop/v1/money.proto']);
  expect(shop.service[0].method.map((m: any) => [m.name, m.inputType, !!m.serverStreaming])).toEqual([['Buy', '.shop.v1.Order', false], ['Watch', '.shop.v1.Order', true]]);
  const order = shop.messageType[0];
  const field = (name: string) => order.field.find((f: any) => f.name === name);
  expect(field('by_sku')).toMatchObject({ label: 3, type: 11, typeName: '.shop.v1.Order.BySkuEntry', jsonName: 'bySku' });
  expect(order.nestedType.find((t: any) => t.name === 'BySkuEntry')).toMatchObject({ options: { mapEntry: true }, field: [{ name: 'key', type: 9 }, { name: 'value', type: 11, typeName: '.shop.v1.Order.Line' }] });
  expect(field('state')).toMatchObject({ type: 14, typeName: '.shop.v1.Order.State' });
  // The real oneof first, then proto3 optional's synthetic one.
  expect(order.oneofDecl.map((o: any) => o.name)).toEqual(['pay', '_note']);
  expect(field('card')).toMatchObject({ oneofIndex: 0 });
  expect(field('note')).toMatchObject({ oneofIndex: 1, proto3Optional: true });
  expect(field('at')).toMatchObject({ typeName: '.google.protobuf.Timestamp' });
});

test('file_by_filename and what is not there', () => {
  const r = reflection();
  expect(descriptorsOf(r.answer(lenField(3, 'shop/v1/money.proto'))).map((f) => f.name)[0]).toBe('shop/v1/money.proto');
  const missing = fieldsOf(fieldsOf(r.answer(lenField(4, 'no.Such')))!.get(7)![0]);
  expect(missing.get(2)![0].toString()).toContain('no.Such');
  let code = 0;
  readFields(fieldsOf(r.answer(lenField(4, 'no.Such'))).get(7)![0], (f, v) => (f === 1 ? (code = v as number) : undefined), 'error');
  expect(code).toBe(5);
  const ext = fieldsOf(r.answer(lenField(6, 'shop.v1.Order'))).get(7)![0];
  expect(ext.includes(varintField(1, 12))).toBe(true);
});
