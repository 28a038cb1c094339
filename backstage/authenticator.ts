// The ProxyAuthenticator: reads the ID token from the configured header and has the native
// core verify it. No JWT parsing happens here.
import { createProxyAuthenticator, type ProfileInfo } from '@backstage/plugin-auth-node';
import { AuthenticationError } from '@backstage/errors';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { readOidcProxyConfig, type OidcProxyConfig } from './config';
import { IdentityResolver, isNativeError } from './native';
import { verificationError } from './errors';
import { recordVerification } from './metrics';

/** What a sign-in resolver receives as `info.result`: the verified claims only, never the raw token. */
export interface OidcProxyResult {
  claims: Record<string, unknown>;
  /**
   * The provider's `requireEmailVerifiedClaim`: pass it to an IdentityResolver (or resolveEmail / resolveIdentity)
   * so every resolver applies the same email_verified rule.
   */
  requireEmailVerifiedClaim: boolean;
}

/** Sent to the frontend as `providerInfo` in the refresh response. */
export interface OidcProxyProviderInfo {
  /** The verified ID token claims. */
  claims: Record<string, unknown>;
}

/** Built once: the profile rules for each email_verified rule. */
const profileRules = [false, true].map(
  requireEmailVerifiedClaim => new IdentityResolver({ requireEmailVerifiedClaim }),
);

/**
 * The profile Backstage shows and the email resolvers match on, from the native
 * resolveProfile: an email that is not a plain, verified address is left out, so no
 * resolver can match a catalog user by an address nobody proved to own.
 */
export function profileFromClaims(claims: Record<string, unknown>, requireEmailVerifiedClaim = false): ProfileInfo {
  const { email, displayName, picture } = profileRules[requireEmailVerifiedClaim ? 1 : 0].profile(claims);
  const profile: ProfileInfo = {};
  if (email != null) profile.email = email;
  if (displayName != null) profile.displayName = displayName;
  if (picture != null) profile.picture = picture;
  return profile;
}

/**
 * The authenticator, optionally with the provider config already read at start-up (else it
 * reads the block Backstage passes it). Refusals, an unreachable issuer's 503 included, are
 * logged by the provider (refusals.ts); `logger` is accepted for compatibility.
 */
export function createOidcProxyAuthenticator(options: { logger?: LoggerService; config?: OidcProxyConfig } = {}) {
  return createProxyAuthenticator<OidcProxyConfig, OidcProxyResult, OidcProxyProviderInfo>({
    defaultProfileTransform: async result => ({
      profile: profileFromClaims(result.claims, result.requireEmailVerifiedClaim),
    }),

    initialize({ config }) {
      return options.config ?? readOidcProxyConfig(config);
    },

    async authenticate({ req }, { verifier, header, requireEmailVerifiedClaim }) {
      // Express looks headers up case-insensitively.
      const token = req.get(header);
      if (!token) {
        recordVerification('missing_header');
        throw new AuthenticationError(
          `Missing ID token: the request has no ${header} header (is the identity-aware proxy in front of Backstage setting it?)`,
        );
      }
      let claims: Record<string, unknown>;
      try {
        claims = await verifier.verify(token);
      } catch (error) {
        recordVerification(isNativeError(error) ? error.code : 'ERR_UNKNOWN');
        throw verificationError(error, header);
      }
      recordVerification('ok');
      return { result: { claims, requireEmailVerifiedClaim }, providerInfo: { claims } };
    },
  });
}

/** The authenticator without a logger, for modules that register the provider themselves. */
export const oidcProxyAuthenticator = createOidcProxyAuthenticator();
