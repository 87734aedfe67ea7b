import { z } from 'zod';

const protocol = z.enum(['http/protobuf', 'http/json'], { error: 'OTEL_EXPORTER_OTLP_PROTOCOL: only http/protobuf and http/json are supported (OTLP over HTTP)' });

export const samplerNames = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof samplerNames)[number];

const sampler = z.enum(samplerNames, { error: `OTEL_TRACES_SAMPLER: one of ${samplerNames.join(', ')}` });

/** A positive integer from the environment (they all arrive as strings). */
const envInt = (name: string) => z.coerce.number({ error: `${name}: a whole number of milliseconds or spans` }).int({ error: `${name}: a whole number` }).positive({ error: `${name}: above 0` });

const ratio = z.coerce.number({ error: 'OTEL_TRACES_SAMPLER_ARG: a ratio between 0 and 1' }).min(0, { error: 'OTEL_TRACES_SAMPLER_ARG: a ratio between 0 and 1' }).max(1, { error: 'OTEL_TRACES_SAMPLER_ARG: a ratio between 0 and 1' });

/** `k1=v1,k2=v2`, keys and values URL-encoded, as the OTLP exporter spec has it. */
const headers = z.string().transform((s, ctx) => {
  const out: Record<string, string> = {};
  for (const pair of s.split(',')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    try {
      if (eq <= 0) throw new Error('no key');
      out[decodeURIComponent(pair.slice(0, eq).trim()).toLowerCase()] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `OTEL_EXPORTER_OTLP_HEADERS: "${pair.trim()}" is not key=value (URL-encoded)` });
      return z.NEVER;
    }
  }
  return out;
});

/**
 * The standard OpenTelemetry environment, as far as the sidecar reads it (the SDK's names and
 * defaults: BatchSpanProcessor, OTLP exporter, samplers). Tracing is on only when an endpoint is set.
 */
export const otelConfigSchema = z
  // The spec treats an empty variable as unset.
  .preprocess((env) => (env && typeof env === 'object' ? Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')) : env), z.object({
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol.optional(),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol.optional(),
    OTEL_EXPORTER_OTLP_HEADERS: headers.optional(),
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: headers.optional(),
    OTEL_EXPORTER_OTLP_TIMEOUT: envInt('OTEL_EXPORTER_OTLP_TIMEOUT').optional(),
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: envInt('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT').optional(),
    OTEL_SERVICE_NAME: z.string().min(1).optional(),
    OTEL_TRACES_SAMPLER: sampler.default('parentbased_always_on'),
    OTEL_TRACES_SAMPLER_ARG: ratio.optional(),
    OTEL_BSP_SCHEDULE_DELAY: envInt('OTEL_BSP_SCHEDULE_DELAY').default(5000),
    OTEL_BSP_MAX_QUEUE_SIZE: envInt('OTEL_BSP_MAX_QUEUE_SIZE').default(2048),
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: envInt('OTEL_BSP_MAX_EXPORT_BATCH_SIZE').default(512),
    OTEL_BSP_EXPORT_TIMEOUT: envInt('OTEL_BSP_EXPORT_TIMEOUT').default(30000),
  }))
  .transform((env) => {
    // The signal-specific endpoint is used as is; the general one gets /v1/traces (the OTLP convention).
    const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
    return {
      url,
      protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
      serviceName: env.OTEL_SERVICE_NAME,
      // Signal-specific headers override general ones key by key, as in the SDK.
      headers: { ...env.OTEL_EXPORTER_OTLP_HEADERS, ...env.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
      timeoutMs: env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT ?? 10000,
      sampler: { name: env.OTEL_TRACES_SAMPLER, ratio: env.OTEL_TRACES_SAMPLER_ARG ?? 1 },
      batch: {
        scheduleDelayMs: env.OTEL_BSP_SCHEDULE_DELAY,
        maxQueueSize: env.OTEL_BSP_MAX_QUEUE_SIZE,
        // The SDK caps a batch at the queue size: a batch can never be larger than what is queued.
        maxExportBatchSize: Math.min(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, env.OTEL_BSP_MAX_QUEUE_SIZE),
        exportTimeoutMs: env.OTEL_BSP_EXPORT_TIMEOUT,
      },
    };
  });

export type OtelConfig = z.output<typeof otelConfigSchema>;
export type SamplerConfig = OtelConfig['sampler'];
export type BatchConfig = OtelConfig['batch'];
