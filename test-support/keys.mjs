// Key pairs for test issuers and forged tokens, shared by the core, module and e2e suites.
import crypto from 'node:crypto';

/**
 * A new key pair as KeyObjects that share nothing with the key-generation job. Node 20 can
 * deadlock when a key that a generation job still references is exported as a JWK and the
 * export's allocations run the GC that frees that job (both take the key's mutex: seen as
 * a test process idle forever in KeyObjectHandle::ExportJWK -> ~KeyGenJob). Generating
 * DER and importing it gives keys of their own.
 */
export function generateKeys(kind, params) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync(kind, {
    ...params,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  return {
    privateKey: crypto.createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: crypto.createPublicKey({ key: publicKey, format: 'der', type: 'spki' }),
  };
}
