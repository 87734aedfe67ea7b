import type { Endpoint } from '../../snapshot/snapshots';

type Labels = ReadonlyArray<readonly [string, string]>;
const noSubset: Labels = [];

/**
 * The providers a call may go to: those of the service that speak the IDL's protocol (or take
 * any IDL, as HTTP/JSON providers do) and carry
 * every label of the subset (other labels do not matter). Worked out once per endpoints list,
 * protocol and subset and cached against those objects, which snapshots replace rather than
 * change, so the request path filters nothing while discovery is quiet (and an old revision's
 * subsets or an old endpoints list are garbage once nothing holds them).
 */
export class ProviderPools {
  /** `anyIdl`: protocols whose providers take a service of any IDL (HTTP/JSON providers). */
  constructor(private readonly anyIdl: ReadonlySet<string> = new Set()) {}

  private readonly cache = new WeakMap<readonly Endpoint[], WeakMap<Labels, Record<string, readonly Endpoint[] | undefined>>>();

  of(all: readonly Endpoint[], protocol: string, labels: Labels | undefined): readonly Endpoint[] {
    let bySubset = this.cache.get(all);
    if (!bySubset) this.cache.set(all, (bySubset = new WeakMap()));
    const key = labels ?? noSubset;
    let byProtocol = bySubset.get(key);
    if (!byProtocol) bySubset.set(key, (byProtocol = Object.create(null) as Record<string, readonly Endpoint[] | undefined>));
    return (byProtocol[protocol] ??= Object.freeze(all.filter((e) => (e.protocol === protocol || this.anyIdl.has(e.protocol)) && carriesAll(e, key))));
  }
}

function carriesAll(e: Endpoint, labels: Labels): boolean {
  for (const [k, v] of labels) if (e.labels[k] !== v) return false;
  return true;
}

export function describeLabels(labels: Labels): string {
  return labels.map(([k, v]) => `${k}=${v}`).join(',');
}
