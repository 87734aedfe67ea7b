import { generateKeys, privateKeyPem, signingAlgorithm, x509 } from './pem';

/** A sidecar's own key pair and the signing request it sends; the private key never leaves it. */
export interface WorkloadKey {
  readonly keyPem: string;
  readonly csrPem: string;
}

export async function newWorkloadKey(app: string): Promise<WorkloadKey> {
  const keys = await generateKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${app}`, keys, signingAlgorithm });
  return { keyPem: await privateKeyPem(keys.privateKey), csrPem: csr.toString('pem') };
}
