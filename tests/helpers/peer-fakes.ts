import type { MethodModel, ServiceModel } from '../../src/idl/model';
import type { InboundCall, InboundReply, Provider } from '../../src/protocol/provider';
import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyIdl, IdlSnapshot } from '../../src/snapshot/snapshots';

/** An IDL snapshot with one gRPC service and the given methods, for the peer listener's labels. */
export function idlWith(service: string, ...methods: string[]): SnapshotCell<IdlSnapshot> {
  const model: ServiceModel = {
    name: service,
    protocol: 'grpc',
    rpcSystem: 'grpc',
    methods: new Map(methods.map((m) => [m, { name: m } as unknown as MethodModel])),
    describe: () => ({ methods: [] }),
  };
  const cell = new SnapshotCell<IdlSnapshot>(emptyIdl);
  cell.swap({ services: new Map([[service, { model, version: 1 }]]), loadedAt: 1 });
  return cell;
}

/** A successful answer with `payload` as its message. */
export function okReply(payload: string, metadata: Record<string, string> = {}): InboundReply {
  return { status: 0, message: '', detailsBin: undefined, metadata, payload: Buffer.from(payload) };
}

/** A provider the test controls: records calls; answers with `answer` (which may never resolve). */
export class FakeProvider implements Provider {
  readonly protocol = 'grpc' as const;
  readonly encoding = undefined;
  readonly rpcSystem = 'grpc';
  readonly calls: InboundCall[] = [];
  constructor(
    readonly service: string,
    private readonly answer: (c: InboundCall) => Promise<InboundReply> = async () => okReply('ok'),
  ) {}
  call(c: InboundCall): Promise<InboundReply> {
    this.calls.push(c);
    return this.answer(c);
  }
  close(): void {}
}
