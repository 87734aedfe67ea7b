import { SIDECAR_NODE_FLAGS, sidecarNodeFlags } from '../../src/config/node-flags';

describe('node flags for sidecars started by transmesh dev and the bench', () => {
  test('default: a 4 MB semi-space cap and a 256 MB heap limit; TRANSMESH_SIDECAR_NODE_FLAGS replaces them, empty for none', () => {
    expect(sidecarNodeFlags({})).toEqual(['--max-semi-space-size=4', '--max-old-space-size=256']);
    expect(sidecarNodeFlags({})).not.toBe(SIDECAR_NODE_FLAGS);
    expect(sidecarNodeFlags({ TRANSMESH_SIDECAR_NODE_FLAGS: ' --max-semi-space-size=4   --jitless ' })).toEqual(['--max-semi-space-size=4', '--jitless']);
    expect(sidecarNodeFlags({ TRANSMESH_SIDECAR_NODE_FLAGS: '' })).toEqual([]);
  });
});
