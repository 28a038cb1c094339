// RSA key pairs as KeyObjects that share nothing with Node's key-generation job: on Node 20,
// exporting a JWK of a key the job still references can deadlock when the export's
// allocations run the GC that frees the job (both lock the key). DER out, import back in.
import crypto from 'node:crypto';

export function rsaKeyPair() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  return {
    privateKey: crypto.createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: crypto.createPublicKey({ key: publicKey, format: 'der', type: 'spki' }),
  };
}
