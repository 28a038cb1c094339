// The ProxyAuthenticator: reads the ID token from the configured header and has the native
// core verify it. No JWT parsing happens here.
import { createProxyAuthenticator, type ProfileInfo } from '@backstage/plugin-auth-node';
import { AuthenticationError } from '@backstage/errors';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { readOidcProxyConfig, type OidcProxyConfig } from './config';
import { IdentityResolver, type SignInRules } from './native';
import { verificationError } from './errors';
import { profileOnlyRules, signInOf, type EntryResult, type SignInResult } from './signIn';

/** What a sign-in resolver receives as `info.result`: the verified claims only, never the raw token. */
export interface OidcProxyResult {
  claims: Record<string, unknown>;
  /**
   * The provider's `requireEmailVerifiedClaim`: pass it to an IdentityResolver (or resolveEmail / resolveIdentity)
   * so every resolver applies the same email_verified rule.
   */
  requireEmailVerifiedClaim: boolean;
  /** What the native rules computed with the verification, for every configured resolver entry. */
  signIn?: SignInResult;
  /** The result for the resolver entry being run, set by the resolver chain. */
  entry?: EntryResult;
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

/** The profile as Backstage's ProfileInfo: absent members left out. */
function profileInfo(p: { email?: string | null; displayName?: string | null; picture?: string | null }): ProfileInfo {
  const profile: ProfileInfo = {};
  if (p.email != null) profile.email = p.email;
  if (p.displayName != null) profile.displayName = p.displayName;
  if (p.picture != null) profile.picture = p.picture;
  return profile;
}

/**
 * The profile Backstage shows and the email resolvers match on, from the native
 * resolveProfile: an email that is not a plain, verified address is left out, so no
 * resolver can match a catalog user by an address nobody proved to own.
 */
export function profileFromClaims(claims: Record<string, unknown>, requireEmailVerifiedClaim = false): ProfileInfo {
  return profileInfo(profileRules[requireEmailVerifiedClaim ? 1 : 0].profile(claims));
}

/**
 * The authenticator, optionally with the provider config already read at start-up (else it
 * reads the block Backstage passes it), and the native rules of the resolver chain
 * (`readSignIn`), computed with each verification. Refusals, an unreachable issuer's 503
 * included, are logged by the provider (refusals.ts); `logger` is accepted for compatibility.
 */
export function createOidcProxyAuthenticator(
  options: { logger?: LoggerService; config?: OidcProxyConfig; rules?: SignInRules } = {},
) {
  return createProxyAuthenticator<OidcProxyConfig, OidcProxyResult, OidcProxyProviderInfo>({
    defaultProfileTransform: async result => ({
      profile: result.signIn
        ? profileInfo(result.signIn.profile)
        : profileFromClaims(result.claims, result.requireEmailVerifiedClaim),
    }),

    initialize({ config }) {
      return options.config ?? readOidcProxyConfig(config);
    },

    async authenticate({ req }, config) {
      // One native call per request, shared with the provider's sign-in cache (signIn.ts).
      const call = signInOf(req, config, options.rules ?? profileOnlyRules(config));
      if (!call) {
        throw new AuthenticationError(
          `Missing ID token: the request has no ${config.header} header (is the identity-aware proxy in front of Backstage setting it?)`,
        );
      }
      let signIn: SignInResult;
      try {
        signIn = await call;
      } catch (error) {
        throw verificationError(error, config.header);
      }
      const { claims } = signIn;
      return {
        result: { claims, requireEmailVerifiedClaim: config.requireEmailVerifiedClaim, signIn },
        providerInfo: { claims },
      };
    },
  });
}

/** The authenticator without a logger, for modules that register the provider themselves. */
export const oidcProxyAuthenticator = createOidcProxyAuthenticator();
