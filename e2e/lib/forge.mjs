// A token an attacker can make: the right issuer, audience, claims and even the IdP's current
// key id, but signed with the attacker's own key.
import { SignJWT } from 'jose';
import { generateKeys } from '../../test-support/keys.mjs';
import { CLIENT_ID } from './auth-config.mjs';

export async function forgeIdToken({ issuer, kid, email, name }) {
  const { privateKey } = generateKeys('rsa', { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email, email_verified: true, name })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(issuer)
    .setAudience(CLIENT_ID)
    .setSubject('attacker')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(privateKey);
}
