import { z } from 'zod';

/** What a sidecar publishes on `transmesh.telemetry.<app>`: its cumulative counters, whole. */
export const telemetryReport = z.object({
  instance: z.string(),
  app: z.string(),
  at: z.number(),
  series: z.array(
    z.object({
      direction: z.string(),
      caller: z.string(),
      service: z.string(),
      method: z.string(),
      code: z.string(),
      count: z.number().nonnegative(),
      sum: z.number().nonnegative(),
      buckets: z.array(z.number().nonnegative()),
    }),
  ),
  /** Conversion-time histograms (`conversionBucketsSeconds`); absent from older sidecars. */
  conversion: z
    .array(z.object({ service: z.string(), method: z.string(), count: z.number().nonnegative(), sum: z.number().nonnegative(), buckets: z.array(z.number().nonnegative()) }))
    .default([]),
});
export type TelemetryReport = z.infer<typeof telemetryReport>;
