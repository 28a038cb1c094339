// Configuration schema of the oidcProxy auth provider (package.json `configSchema`).
// Backstage validates app-config against it, e.g. `backstage-cli config:check --strict`.

/** Options of one sign-in resolver entry under `signIn.resolvers`. */
interface OidcProxySignInResolverEntry {
  /**
   * The resolver's name. Resolvers are tried in the order listed; one that finds no User
   * entity hands over to the next.
   */
  resolver:
    | 'emailMatchingUserEntityProfileEmail'
    | 'emailLocalPartMatchingUserEntityName'
    | 'emailMatchingUserEntityAnnotation'
    | 'idMatchingUserEntityAnnotation'
    | 'signInWithoutCatalogUser';
  /**
   * Email domains allowed to sign in through this resolver (ASCII, exact,
   * case-insensitive; subdomains are not implied; write internationalised domains in
   * their xn-- form). Not accepted by idMatchingUserEntityAnnotation.
   */
  allowedDomains?: string[];
  /** emailMatchingUserEntityProfileEmail and emailLocalPartMatchingUserEntityName only (Backstage's option). */
  dangerouslyAllowSignInWithoutUserInCatalog?: boolean;
  /**
   * signInWithoutCatalogUser only: users of this email domain are named by their local
   * part (`jane`); users of any other domain by `<local part>_at_<domain>`. Must be one of
   * allowedDomains when those are set. Default: none, every name keeps its domain.
   */
  homeDomain?: string;
  /** signInWithoutCatalogUser only: the claim that names the user. Default: derived from the email (see homeDomain). */
  userNameClaim?: string;
  /** signInWithoutCatalogUser only: a claim listing the user's groups, for ownership. */
  groupsClaim?: string;
  /** signInWithoutCatalogUser only: namespace of the user and of groups given without one. Default `default`. */
  namespace?: string;
}

/** The provider block, under either key. */
interface OidcProxyProviderConfig {
  /** Must equal the ID tokens' `iss` claim; discovery is `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  /** The tokens' `aud` must contain one of these (usually the proxy's OIDC client id). */
  audience: string | string[];
  /**
   * The request header carrying the ID token (no `Bearer ` prefix). Case-insensitive;
   * anything but `authorization`. Default `x-oidc-id-token`.
   */
  oidcIdTokenHeader?: string;
  /** The issuer's JWKS URL; skips discovery. */
  jwksUri?: string;
  /** Accepted signature algorithms. Default: RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA. */
  algorithms?: Array<'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'EdDSA'>;
  /**
   * Allowed clock skew in seconds for exp, nbf and iat. Default 30.
   * @minimum 0
   * @maximum 60
   */
  clockTolerance?: number;
  /** Claims every token must have besides iss, sub, aud, exp and iat, which always must. Default: none. */
  requiredClaims?: string[];
  /**
   * Treat a token without an `email_verified` claim as unverified, so no resolver uses its
   * email. Default false: issuers such as Entra ID omit the claim.
   */
  requireEmailVerifiedClaim?: boolean;
  /**
   * Seconds a sign-in result (the Backstage token and identity) is served again for the
   * same ID token, without running the resolvers; 0 turns this off. Default 60. A catalog
   * change reaches a user who keeps the same ID token after at most this long.
   * @minimum 0
   * @maximum 3600
   */
  signInCacheMaxAgeSeconds?: number;
  /**
   * The proxy's logout URL (absolute, or a path starting with /), where the browser goes after
   * Backstage's sign-out; read by @backstage/plugin-app-module-oidc-proxy.
   * @visibility frontend
   */
  signOutUrl?: string;
  signIn: {
    /** @minItems 1 */
    resolvers: OidcProxySignInResolverEntry[];
  };
}

export interface Config {
  auth?: {
    providers?: {
      /** The oidcProxy provider (the id the frontend's ProxiedSignInPage uses). */
      oidcProxy?: OidcProxyProviderConfig;
      /** The same provider under the spelling of the original documentation; use one key, not both. */
      'oidc-proxy'?: OidcProxyProviderConfig;
    };
  };
}
