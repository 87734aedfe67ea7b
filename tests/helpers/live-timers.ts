import { Session } from 'node:inspector';

/**
 * Timers alive in this process with the given duration (setTimeout/setInterval neither cleared nor
 * fired, ref'd or not), found on the heap by their prototype through the in-process inspector, so
 * a test can see a timer nothing else reaches: the one Node keeps for a dead HTTP/2 session.
 */
export async function liveTimers(durationMs: number): Promise<number> {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params: object) =>
    new Promise<T>((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res as T))));
  try {
    await post('HeapProfiler.collectGarbage', {});
    const proto = await post<{ result: { objectId: string } }>('Runtime.evaluate', {
      expression: '(() => { const t = setTimeout(() => {}, 0); clearTimeout(t); return Object.getPrototypeOf(t); })()',
      objectGroup: 'timers',
    });
    const all = await post<{ objects: { objectId: string } }>('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId, objectGroup: 'timers' });
    const res = await post<{ result: { value: number } }>('Runtime.callFunctionOn', {
      objectId: all.objects.objectId,
      functionDeclaration: `function () { return this.filter((t) => !t._destroyed && t._idleTimeout === ${durationMs}).length; }`,
      returnByValue: true,
    });
    await post('Runtime.releaseObjectGroup', { objectGroup: 'timers' });
    return res.result.value;
  } finally {
    session.disconnect();
  }
}
