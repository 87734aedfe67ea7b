import type { Endpoint } from '../../snapshot/snapshots';
import type { LoadStats } from './load-stats';

/**
 * The three ways of choosing one provider of a pool (never empty). Each is a plain function of
 * its inputs, so unit tests drive them with a seeded random source.
 */

/** Round robin with one cursor per key (service and subset). */
export class RoundRobin {
  private readonly cursors = new Map<string, number>();

  pick(key: string, pool: readonly Endpoint[]): Endpoint {
    const i = (this.cursors.get(key) ?? 0) % pool.length;
    this.cursors.set(key, i + 1);
    return pool[i];
  }
}

/** Power of two choices: two distinct providers at random, the one with the lower expected cost wins. */
export function leastLoaded(pool: readonly Endpoint[], load: LoadStats, random: () => number, now: number): Endpoint {
  if (pool.length === 1) return pool[0];
  const i = Math.floor(random() * pool.length);
  let j = Math.floor(random() * (pool.length - 1));
  if (j >= i) j++;
  const a = pool[i];
  const b = pool[j];
  return load.cost(b.address, now) < load.cost(a.address, now) ? b : a;
}

/**
 * Rendezvous (highest random weight) hashing: each provider scores hash(key, provider) and the
 * highest wins, so when a provider joins or leaves only the keys it wins or held move (≈1/N).
 */
export function rendezvous(pool: readonly Endpoint[], key: string): Endpoint {
  const k = fnv1a(key);
  let best = pool[0];
  let bestScore = -1;
  for (const e of pool) {
    const score = mix32(k ^ addressHash(e.address));
    if (score > bestScore || (score === bestScore && e.address < best.address)) {
      best = e;
      bestScore = score;
    }
  }
  return best;
}

const addressHashes = new Map<string, number>();
function addressHash(address: string): number {
  let h = addressHashes.get(address);
  if (h === undefined) {
    if (addressHashes.size > 10_000) addressHashes.clear();
    addressHashes.set(address, (h = mix32(fnv1a(address))));
  }
  return h;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** MurmurHash3's finaliser: spreads every input bit over the output. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
