// The comparison for the /refresh benchmark: an oidcProxy provider built the way upstream
// Backstage proposed, with jose 6 (`createRemoteJWKSet` + `jwtVerify`), registered under the
// same provider id through the same extension point and proxy provider factory. The first
// `signIn.resolvers` entry picks its resolver: signInWithoutCatalogUser (what this module's
// does with `allowedDomains`: user:default/<email local part>, owning itself) or Backstage's
// own emailMatchingUserEntityProfileEmail (a catalog lookup). A benchmark fixture, not a
// supported module.
import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { authProvidersExtensionPoint, commonSignInResolvers, createProxyAuthenticator, createProxyAuthProviderFactory } from '@backstage/plugin-auth-node';
import { AuthenticationError, NotAllowedError } from '@backstage/errors';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const profileFromClaims = claims => {
  const profile = {};
  if (typeof claims.email === 'string' && claims.email_verified !== false) profile.email = claims.email;
  if (typeof claims.name === 'string') profile.displayName = claims.name;
  if (typeof claims.picture === 'string') profile.picture = claims.picture;
  return profile;
};

export const joseOidcProxyAuthenticator = createProxyAuthenticator({
  defaultProfileTransform: async result => ({ profile: profileFromClaims(result.claims) }),
  initialize({ config }) {
    const issuer = config.getString('issuer');
    const audience = config.getString('audience');
    const header = config.getOptionalString('oidcIdTokenHeader') ?? 'x-oidc-id-token';
    // Discovery once, then jose's remote key set (it caches the JWKS and refetches on an unknown kid).
    const jwks = fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
      .then(r => r.json())
      .then(d => createRemoteJWKSet(new URL(d.jwks_uri)));
    jwks.catch(() => {});
    return { jwks, issuer, audience, header };
  },
  async authenticate({ req }, { jwks, issuer, audience, header }) {
    const token = req.get(header);
    if (!token) throw new AuthenticationError(`Missing ID token: the request has no ${header} header`);
    try {
      const { payload } = await jwtVerify(token, await jwks, { issuer, audience });
      return { result: { claims: payload }, providerInfo: { claims: payload } };
    } catch (error) {
      throw new AuthenticationError(`Invalid ID token: ${error?.message ?? error}`);
    }
  },
});

/** signInWithoutCatalogUser with allowedDomains, as this module's resolver derives it. */
const signInWithoutCatalogUser = allowedDomains => async (info, ctx) => {
  const email = info.profile.email;
  if (!email) throw new NotAllowedError('Sign-in refused: the ID token has no verified email');
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1).toLowerCase();
  if (allowedDomains.length && !allowedDomains.some(d => d.toLowerCase() === domain)) {
    throw new NotAllowedError("Sign-in refused: the email's domain is not in allowedDomains");
  }
  const userEntityRef = `user:default/${email.slice(0, at).toLowerCase()}`;
  return ctx.issueToken({ claims: { sub: userEntityRef, ent: [userEntityRef] } });
};

export default createBackendModule({
  pluginId: 'auth',
  moduleId: 'oidc-proxy-jose-bench',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint, config: coreServices.rootConfig },
      async init({ providers, config }) {
        const [entry] = config.getConfigArray('auth.providers.oidcProxy.signIn.resolvers');
        const allowedDomains = entry.getOptionalStringArray('allowedDomains') ?? [];
        const name = entry.getString('resolver');
        const signInResolver = name === 'signInWithoutCatalogUser' ? signInWithoutCatalogUser(allowedDomains)
          : name === 'emailMatchingUserEntityProfileEmail' ? commonSignInResolvers.emailMatchingUserEntityProfileEmail({ allowedDomains })
          : null;
        if (!signInResolver) throw new Error(`jose bench module: unsupported resolver ${name}`);
        providers.registerProvider({
          providerId: 'oidcProxy',
          factory: createProxyAuthProviderFactory({ authenticator: joseOidcProxyAuthenticator, signInResolver }),
        });
      },
    });
  },
});
