import type { SamplerConfig } from '../../config/otel-config';
import type { ParentContext } from './trace-context';

/** Whether a new span is recorded and exported, decided once when it starts. */
export type Sampler = (traceId: string, parent: ParentContext | undefined) => boolean;

/**
 * TraceIdRatioBased as the OpenTelemetry Go and Java SDKs implement it (the spec asks only for a
 * deterministic decision that keeps every trace a lower ratio keeps): the trace id's lower 8
 * bytes, shifted right by one, sampled when below ratio × 2^63. Both sides are split into the
 * high 32 and low 31 bits, so the comparison is exact with no BigInt per call.
 */
export function traceIdRatio(ratio: number): Sampler {
  if (ratio >= 1) return () => true;
  if (ratio <= 0) return () => false;
  const bound = BigInt(Math.floor(ratio * 2 ** 63));
  const boundHi = Number(bound >> 31n);
  const boundLo = Number(bound & 0x7fffffffn);
  return (traceId) => {
    const hi = parseInt(traceId.slice(16, 24), 16);
    if (hi !== boundHi) return hi < boundHi;
    return parseInt(traceId.slice(24, 32), 16) >>> 1 < boundLo;
  };
}

/** ParentBased: a remote parent's sampled flag decides; a root span is left to `root`. */
function parentBased(root: Sampler): Sampler {
  return (traceId, parent) => (parent ? parent.sampled : root(traceId, undefined));
}

/** The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name. */
export function createSampler({ name, ratio }: SamplerConfig): Sampler {
  switch (name) {
    case 'always_on':
      return () => true;
    case 'always_off':
      return () => false;
    case 'traceidratio':
      return traceIdRatio(ratio);
    case 'parentbased_always_on':
      return parentBased(() => true);
    case 'parentbased_always_off':
      return parentBased(() => false);
    case 'parentbased_traceidratio':
      return parentBased(traceIdRatio(ratio));
  }
}
