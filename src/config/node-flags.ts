/**
 * Node/V8 flags for a sidecar process that `transmesh dev` and the bench start. V8's young
 * generation grows to 16 MB semi-spaces by default (more on Node 24), which a busy sidecar fills
 * and keeps: a 4 MB cap kept a loaded sidecar's RSS ~20-25 MB lower for 0-11% more CPU; 2 MB
 * saved a few MB more for 25-30% more CPU (docs/performance.md, "Memory"). Where a sidecar is
 * started otherwise, NODE_OPTIONS=--max-semi-space-size=4 does the same.
 * TRANSMESH_SIDECAR_NODE_FLAGS replaces the list ("" for none).
 */
export const SIDECAR_NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=4']);

export function sidecarNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const v = env.TRANSMESH_SIDECAR_NODE_FLAGS;
  return v === undefined ? [...SIDECAR_NODE_FLAGS] : v.split(/\s+/).filter(Boolean);
}
