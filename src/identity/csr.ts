import { KeyObject, sign } from 'node:crypto';

/**
 * A PKCS#10 certificate signing request (RFC 2986) for an ECDSA P-256 key, subject `CN=<app>`,
 * no attributes, signed with ecdsa-with-SHA256: the one request a sidecar ever makes. Encoded
 * here with node:crypto because @peculiar/x509, which the control plane uses to check and sign
 * it, costs a sidecar ~3 MB of heap and ~200 modules that it would load only for this.
 * The control plane takes nothing from it but the public key, once the signature checks.
 */

function der(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => der(0x31, Buffer.concat(parts));
/** id-at-commonName 2.5.4.3 */
const commonNameOid = Buffer.from('0603550403', 'hex');
/** ecdsa-with-SHA256 1.2.840.10045.4.3.2, no parameters */
const ecdsaWithSha256 = Buffer.from('300a06082a8648ce3d040302', 'hex');
const versionZero = Buffer.from('020100', 'hex');
/** attributes [0] IMPLICIT SET OF Attribute: empty. */
const noAttributes = Buffer.from('a000', 'hex');

export function certificationRequestPem(commonName: string, privateKey: KeyObject, publicKey: KeyObject): string {
  const subject = seq(set(seq(commonNameOid, der(0x0c, Buffer.from(commonName, 'utf8')))));
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const info = seq(versionZero, subject, spki, noAttributes);
  const signature = sign('sha256', info, { key: privateKey, dsaEncoding: 'der' });
  const request = seq(info, ecdsaWithSha256, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return `-----BEGIN CERTIFICATE REQUEST-----\n${request.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE REQUEST-----\n`;
}
