import { SnapshotCell } from '../../src/snapshot/snapshot-cell';

describe('SnapshotCell listeners', () => {
  test('onSwap returns the way to unsubscribe', () => {
    const cell = new SnapshotCell({ n: 0 });
    const seen: number[] = [];
    const off = cell.onSwap((v) => seen.push(v.n));
    cell.swap({ n: 1 });
    off();
    cell.swap({ n: 2 });
    expect(seen).toEqual([1]);
    expect(cell.listenerCount).toBe(0);
    off();
    expect(cell.listenerCount).toBe(0);
  });

  test("one listener's exception is reported and does not keep the others from running", () => {
    const errors: unknown[] = [];
    const cell = new SnapshotCell({ n: 0 }, (err) => errors.push(err));
    const seen: string[] = [];
    const boom = new Error('listener bug');
    cell.onSwap(() => seen.push('first'));
    cell.onSwap(() => {
      throw boom;
    });
    cell.onSwap(() => seen.push('third'));
    expect(() => cell.swap({ n: 1 })).not.toThrow();
    expect(seen).toEqual(['first', 'third']);
    expect(errors).toEqual([boom]);
    expect(cell.current).toEqual({ n: 1 });
  });

  test('without a reporter the exception becomes a process warning, not silence', () => {
    const cell = new SnapshotCell(0);
    cell.onSwap(() => {
      throw new Error('unreported');
    });
    const emitted = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      cell.swap(1);
      expect(emitted).toHaveBeenCalledWith(expect.stringMatching(/^a snapshot listener failed: Error: unreported/), 'SnapshotListenerError');
    } finally {
      emitted.mockRestore();
    }
  });

  test('a listener that unsubscribes itself during a swap skips no other listener', () => {
    const cell = new SnapshotCell(0);
    const seen: string[] = [];
    const off = cell.onSwap(() => {
      seen.push('once');
      off();
    });
    cell.onSwap((v) => seen.push(`always ${v}`));
    cell.swap(1);
    cell.swap(2);
    expect(seen).toEqual(['once', 'always 1', 'always 2']);
  });
});
