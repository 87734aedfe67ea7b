import { anyIdlProtocols } from '../../protocol/protocol-registry';
import { MeshError } from '../../errors/mesh-error';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { Endpoint, EndpointsSnapshot } from '../../snapshot/snapshots';
import { meshDefaults } from '../../policy/service-policy';
import type { Breaker } from './breaker';
import type { LoadStats } from './load-stats';
import type { LayerEnv } from './layer-env';
import type { AttemptLayer, PeerRequest } from './call';
import { describeLabels, ProviderPools } from './provider-pool';
import { leastLoaded, rendezvous, RoundRobin } from './pickers';
import { appHeader } from './policy-match';

/**
 * Chooses the provider of each attempt from the endpoints snapshot current at that attempt: the
 * pool is the providers of the call's subset that speak the IDL's protocol, less those the
 * breaker ejected, less those earlier attempts tried (while others are left); then the method's
 * `balance`: round-robin, least-loaded (the default) or hash:<header> (least-loaded when the app
 * sent no such header). It counts the attempt in flight and its latency for least-loaded.
 */
export function balanceLayer(endpoints: SnapshotCell<EndpointsSnapshot>, breaker: Breaker, load: LoadStats, env: Pick<LayerEnv, 'now' | 'random'>): AttemptLayer {
  const pools = new ProviderPools(anyIdlProtocols());
  const roundRobin = new RoundRobin();
  return (next) => async (req) => {
    const endpoint = choose(req);
    req.endpoint = endpoint;
    load.begin(endpoint.address);
    const started = env.now();
    let res;
    try {
      res = await next(req);
    } catch (err) {
      // A refused connection is fast and a deadline is the caller's: neither is the provider's latency.
      load.end(endpoint.address, undefined, env.now());
      throw err;
    }
    const now = env.now();
    load.end(endpoint.address, now - started, now);
    return res;
  };

  function choose(req: PeerRequest): Endpoint {
    const call = req.call;
    const service = call.service;
    const all = endpoints.current.byService.get(service);
    if (!all || all.length === 0) throw new MeshError('UNAVAILABLE', `no provider of ${service} is up`);
    const subset = call.policy?.subset;
    const protocol = call.route?.entry.model.protocol ?? all[0].protocol;
    const pool = pools.of(all, protocol, subset?.labels);
    if (pool.length === 0) {
      if (subset) throw new MeshError('UNAVAILABLE', `no provider of ${service} in subset "${subset.name}" (${describeLabels(subset.labels) || 'no labels'}) is up`);
      throw new MeshError('UNAVAILABLE', `no provider of ${service} speaks ${protocol}`);
    }
    const settings = call.policy?.method ?? meshDefaults;
    req.pool = pool;
    const now = env.now();
    let usable = breaker.admit(pool, settings.breaker, now);
    const tried = req.tried;
    if (tried && usable.length > 1) {
      const untried = usable.filter((e) => !tried.includes(e.address));
      if (untried.length > 0) usable = untried;
    }
    const balance = settings.balance;
    if (balance.kind === 'round-robin') return roundRobin.pick(subset ? `${service}\u0000${subset.name}` : service, usable);
    if (balance.kind === 'hash') {
      const key = appHeader(call, balance.header);
      if (key !== undefined) return rendezvous(usable, key);
    }
    return leastLoaded(usable, load, env.random, now);
  }
}
