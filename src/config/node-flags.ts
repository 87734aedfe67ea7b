/**
 * Node/V8 flags for a sidecar process that `transmesh dev` and the bench start. V8's young
 * generation grows to 16 MB semi-spaces by default (more on Node 24), which a busy sidecar fills
 * and keeps: a 4 MB cap kept a loaded sidecar's RSS ~20-25 MB lower for 0-11% more CPU; 2 MB
 * saved a few MB more for 25-30% more CPU (docs/performance.md, "Memory").
 * `--max-old-space-size=256`: on a machine with more than ~2 GB, V8 lets the old generation grow
 * to up to 4x what survived the last full GC before the next one (and starts with a high first
 * limit), so a loaded sidecar with ~20 MB of live heap sat on 50-70 MB of it; with a heap limit
 * of 256 MB or less V8 uses its smallest growing factor (1.3) and the peak RSS of a loaded
 * consumer fell by 7-27 MB (run L). 256 MB is ten times what a sidecar holds live, not a budget it
 * approaches. Where a sidecar is started otherwise,
 * NODE_OPTIONS="--max-semi-space-size=4 --max-old-space-size=256" does the same.
 * TRANSMESH_SIDECAR_NODE_FLAGS replaces the list ("" for none).
 */
export const SIDECAR_NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=4', '--max-old-space-size=256']);

export function sidecarNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const v = env.TRANSMESH_SIDECAR_NODE_FLAGS;
  return v === undefined ? [...SIDECAR_NODE_FLAGS] : v.split(/\s+/).filter(Boolean);
}
