import { builtinProtocols } from '../../adapters';
import { registerProtocol } from '../protocol/protocol-registry';

/**
 * The one place in src/ that knows the protocol adapters: every process (CLI, sidecar,
 * control plane, dev) registers them here before it compiles IDL or builds a provider.
 */
export function registerProtocols(): void {
  for (const adapter of builtinProtocols) registerProtocol(adapter);
}
