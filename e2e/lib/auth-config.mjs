// The `auth` section of each scenario's app-config, as YAML text.
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES_DIR } from './paths.mjs';

// The IdP registers the proxies under this client id, so it is also the ID token's `aud`. It is
// the seed's example audience, which keeps the seed's config verbatim but for the issuer.
export const CLIENT_ID = 'https://backstage.example.com';

/** docs/oidc-proxy-auth.md's config, verbatim, with only the example issuer replaced. */
export function seedAuthYaml({ issuer }) {
  const text = fs.readFileSync(path.join(FIXTURES_DIR, 'seed-config.yaml'), 'utf8');
  const example = 'issuer: https://login.example.com\n';
  if (text.split(example).length !== 2) throw new Error('seed-config.yaml: expected one example issuer line');
  return text.replace(example, `issuer: ${issuer}\n`);
}

/**
 * `auth.providers.oidcProxy` with the given resolvers (names, or { resolver, allowedDomains }),
 * optional header, signOutUrl, jwksUri and clockTolerance; `key` 'oidc-proxy' gives the seed document's
 * spelling of the provider key.
 */
export function oidcProxyAuthYaml({ issuer, resolvers, header, signOutUrl, jwksUri, clockTolerance, key = 'oidcProxy' }) {
  const lines = [
    'auth:',
    '  providers:',
    `    ${key}:`,
    `      issuer: ${issuer}`,
    `      audience: '${CLIENT_ID}'`,
    ...(header ? [`      oidcIdTokenHeader: '${header}'`] : []),
    ...(signOutUrl ? [`      signOutUrl: '${signOutUrl}'`] : []),
    ...(jwksUri ? [`      jwksUri: '${jwksUri}'`] : []),
    ...(clockTolerance !== undefined ? [`      clockTolerance: ${clockTolerance}`] : []),
    '      signIn:',
    '        resolvers:',
    ...resolvers.map(r => (typeof r === 'string' ? { resolver: r } : r)).flatMap(({ resolver, allowedDomains }) => [
      `          - resolver: ${resolver}`,
      ...(allowedDomains ? [`            allowedDomains: [${allowedDomains.map(d => `'${d}'`).join(', ')}]`] : []),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
