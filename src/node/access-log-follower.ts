import { accessBatch, AccessRecord } from '../telemetry/access-log';
import { connectNats, type NatsAuth } from '../registry/connect';
import { Subjects } from '../registry/names';

export interface AccessLogFilter {
  readonly service?: string;
  readonly caller?: string;
  /** Only records whose code is not OK. */
  readonly errors?: boolean;
}

export function matches(r: AccessRecord, f: AccessLogFilter): boolean {
  return (f.service === undefined || r.service === f.service) && (f.caller === undefined || r.caller === f.caller) && (!f.errors || r.code !== 'OK');
}

/**
 * `transmesh logs`: a plain subscription (not the writers' queue group), so it sees every record
 * from the moment it starts, beside whatever the control planes write. Resolves once subscribed;
 * `stop` ends the follow.
 */
export async function followAccessLogs(url: string, auth: NatsAuth, filter: AccessLogFilter, onRecord: (r: AccessRecord) => void): Promise<{ stop: () => Promise<void>; done: Promise<void> }> {
  const nc = await connectNats(url, 'transmesh-logs', auth);
  const sub = nc.subscribe(`${Subjects.accessLogs}.>`);
  const dec = new TextDecoder();
  const done = (async () => {
    for await (const msg of sub) {
      let parsed;
      try {
        parsed = accessBatch.safeParse(JSON.parse(dec.decode(msg.data)));
      } catch {
        continue;
      }
      if (!parsed.success) continue;
      for (const r of parsed.data.records) if (matches(r, filter)) onRecord(r);
    }
  })();
  await nc.flush();
  return {
    done,
    stop: async () => {
      sub.unsubscribe();
      await nc.close();
    },
  };
}
