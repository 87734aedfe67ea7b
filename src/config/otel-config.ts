import { z } from 'zod';

const protocol = z.enum(['http/protobuf', 'http/json'], { error: 'OTEL_EXPORTER_OTLP_PROTOCOL: only http/protobuf and http/json are supported (OTLP over HTTP)' });

/**
 * The standard OpenTelemetry environment, as far as the sidecar reads it. Tracing is on only
 * when an endpoint is set; the sampler (OTEL_TRACES_SAMPLER, _ARG) is read by the SDK itself.
 */
export const otelConfigSchema = z
  .object({
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol.optional(),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol.optional(),
    OTEL_SERVICE_NAME: z.string().min(1).optional(),
  })
  .transform((env) => {
    // The signal-specific endpoint is used as is; the general one gets /v1/traces (the OTLP convention).
    const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
    return { url, protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf', serviceName: env.OTEL_SERVICE_NAME };
  });

export type OtelConfig = z.output<typeof otelConfigSchema>;
