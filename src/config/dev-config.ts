import { z } from 'zod';
import { natsUrl } from './addresses';

/** `transmesh dev`'s flags, validated once; the dev tree and the examples read the frozen result. */
export const devConfigSchema = z.object({
  nats: natsUrl,
  app: z.string().regex(/^[\w.-]+$/).default('dev'),
  provide: z.array(z.string()).default([]),
  push: z.array(z.string()).default([]),
  include: z.array(z.string()).default([]),
  listen: z.string().default('127.0.0.1:15001'),
  admin: z.string().default('127.0.0.1:15000'),
  /** The control plane's admin listener: its dashboard, at the same address every run, so it can be bookmarked. */
  'control-plane-admin': z.string().default('127.0.0.1:15010'),
  examples: z.boolean().default(false),
  once: z.boolean().default(false),
  quiet: z.boolean().default(false),
});
export type DevConfig = z.output<typeof devConfigSchema>;
