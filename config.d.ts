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
    | 'claimMatchingUserEntityName'
    | 'claimMatchingUserEntityAnnotation'
    | 'signInWithoutCatalogUser';
  /**
   * Email domains allowed to sign in through this resolver (ASCII, exact,
   * case-insensitive; subdomains are not implied; write internationalised domains in
   * their xn-- form). The email resolvers and signInWithoutCatalogUser only.
   */
  allowedDomains?: string[];
  /**
   * emailMatchingUserEntityProfileEmail, emailLocalPartMatchingUserEntityName and
   * claimMatchingUserEntityName only (Backstage's option): with no User found, sign in
   * with a name made from the email (or the claim) anyway.
   */
  dangerouslyAllowSignInWithoutUserInCatalog?: boolean;
  /**
   * signInWithoutCatalogUser only: users of this email domain are named by their local
   * part (`jane`); users of any other domain by `<local part>_at_<domain>`. Must be one of
   * allowedDomains when those are set. Default: the one domain of allowedDomains when
   * exactly one is allowed; else none, and every name keeps its domain.
   */
  homeDomain?: string;
  /** signInWithoutCatalogUser only: the claim that names the user. Default: derived from the email (see homeDomain). */
  userNameClaim?: string;
  /**
   * claimMatchingUserEntityName (default `preferred_username`) and
   * claimMatchingUserEntityAnnotation (required): the claim whose value finds the User.
   */
  claim?: string;
  /**
   * emailMatchingUserEntityAnnotation (default `openid.net/email`) and
   * claimMatchingUserEntityAnnotation (required): the User annotation that holds the value.
   */
  annotation?: string;
  /**
   * A claim listing the user's groups (`name`, `ns/name`, `group:ns/name`, or a Keycloak path
   * `/parent/name`, which names its last segment): ownership for signInWithoutCatalogUser,
   * added to the catalog's ownership refs for the other resolvers. A value that cannot name
   * a group is left out (and logged), never a refusal.
   */
  groupsClaim?: string;
  /**
   * Namespace of groups given without one, and for signInWithoutCatalogUser of the user too.
   * Default `default`.
   */
  namespace?: string;
}

/** A JSON Web Key Set (RFC 7517 5), as an issuer publishes it. */
interface OidcProxyJwks {
  keys: Array<{ kty: string; [member: string]: unknown }>;
}

/** One trusted issuer under `issuers`. */
interface OidcProxyIssuerEntry {
  /** Must equal the `iss` claim of this issuer's tokens, byte for byte (a trailing slash counts). */
  issuer: string;
  /** This issuer's tokens must carry one of these in `aud`; other entries' audiences do not count for them. */
  audience: string | string[];
  /** This issuer's JWKS URL; skips discovery. Excludes jwks and jwksFile. */
  jwksUri?: string;
  /**
   * Pinned keys: this issuer's JWKS, as an object or its JSON text (e.g. `${ISSUER_JWKS}`).
   * No network call is made for this issuer. Excludes jwksUri and jwksFile.
   */
  jwks?: OidcProxyJwks | string;
  /**
   * Pinned keys: a JWKS file, relative to the backend's working directory, read again
   * within about a second when its content changes. No network call is made for this
   * issuer. Excludes jwksUri and jwks.
   */
  jwksFile?: string;
  /**
   * The email domains this issuer may vouch for (ASCII, exact, case-insensitive); an email
   * of another domain from this issuer is refused, whatever the resolvers allow. Default:
   * any, so every listed issuer is trusted for every email it asserts.
   */
  allowedDomains?: string[];
}

/** The provider block, under either key: one issuer, or `issuers`. */
type OidcProxyProviderConfig = OidcProxySingleIssuerConfig | OidcProxySeveralIssuersConfig;

interface OidcProxySingleIssuerConfig extends OidcProxyCommonConfig {
  /** Must equal the ID tokens' `iss` claim; discovery is `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  /** The tokens' `aud` must contain one of these (usually the proxy's OIDC client id). */
  audience: string | string[];
  /** The issuer's JWKS URL; skips discovery. Excludes jwks and jwksFile. */
  jwksUri?: string;
  /**
   * Pinned keys: the issuer's JWKS, as an object or its JSON text (e.g. `${ISSUER_JWKS}`).
   * No network call is made to the issuer. Excludes jwksUri and jwksFile.
   */
  jwks?: OidcProxyJwks | string;
  /**
   * Pinned keys: a JWKS file, relative to the backend's working directory, read again
   * within about a second when its content changes. No network call is made to the
   * issuer. Excludes jwksUri and jwks.
   */
  jwksFile?: string;
}

interface OidcProxySeveralIssuersConfig extends OidcProxyCommonConfig {
  /**
   * Several trusted issuers, each with its own audience and keys; a token's `iss` chooses
   * its entry. Replaces the top-level issuer, audience, jwksUri, jwks and jwksFile.
   * @minItems 1
   */
  issuers: OidcProxyIssuerEntry[];
}

/** The options both forms share: they apply to every issuer. */
interface OidcProxyCommonConfig {
  /**
   * The request header carrying the ID token, alone or as `Bearer <token>` (the scheme in
   * any letter case, one space). Case-insensitive; anything but `authorization`.
   * Default `x-oidc-id-token`.
   */
  oidcIdTokenHeader?: string;
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
