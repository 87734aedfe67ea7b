import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { certificationRequestPem } from './csr';

/** A sidecar's own key pair and the signing request it sends; the private key never leaves it. */
export interface WorkloadKey {
  readonly keyPem: string;
  readonly csrPem: string;
}

const generate = promisify(generateKeyPair);

export async function newWorkloadKey(app: string): Promise<WorkloadKey> {
  const { privateKey, publicKey } = await generate('ec', { namedCurve: 'prime256v1' });
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), csrPem: certificationRequestPem(app, privateKey, publicKey) };
}
