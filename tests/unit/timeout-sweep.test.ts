import { TimeoutSweep } from '../../src/sidecar/timeout-sweep';

describe('TimeoutSweep: one interval for many same-length timeouts', () => {
  test('fires what is due, in order, and nothing cancelled', () => {
    let now = 0;
    const sweep = new TimeoutSweep(1000, () => now);
    const fired: string[] = [];
    sweep.add(() => fired.push('a'));
    now = 100;
    const b = sweep.add(() => fired.push('b'));
    now = 200;
    sweep.add(() => fired.push('c'));
    b.cancel();
    now = 999;
    sweep.sweep();
    expect(fired).toEqual([]);
    now = 1150;
    sweep.sweep();
    expect(fired).toEqual(['a']);
    now = 1200;
    sweep.sweep();
    expect(fired).toEqual(['a', 'c']);
    expect(sweep.size).toBe(0);
  });

  test('the real interval fires a due timeout and stops once nothing is pending', async () => {
    const sweep = new TimeoutSweep(20);
    await new Promise<void>((resolve) => sweep.add(resolve));
    expect(sweep.size).toBe(0);
    expect((sweep as unknown as { timer: unknown }).timer).toBeUndefined();
  });

  test('a cancel after firing, or twice, is harmless', () => {
    let now = 0;
    const sweep = new TimeoutSweep(10, () => now);
    let n = 0;
    const t = sweep.add(() => n++);
    now = 10;
    sweep.sweep();
    t.cancel();
    t.cancel();
    expect(n).toBe(1);
  });
});
