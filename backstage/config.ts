// Reads and validates `auth.providers.oidcProxy` (or the seed document's `oidc-proxy`).
// Every error names the full config key, because the operator's only clue at start-up is
// the message Backstage prints before the process exits.
import type { Config } from '@backstage/config';
import { validateOptions, isNativeError, type VerifyOptions } from './native';

/** The provider id the frontend's `ProxiedSignInPage provider="oidcProxy"` calls. */
export const PROVIDER_ID = 'oidcProxy';
/** The spelling the seed document's YAML uses; accepted as an alias of PROVIDER_ID. */
export const PROVIDER_ID_ALIAS = 'oidc-proxy';
export const DEFAULT_HEADER = 'x-oidc-id-token';

/** The provider's options after validation. */
export interface OidcProxyConfig {
  /** Options for the native `verifyIdToken` / `prefetchKeys`. */
  verify: VerifyOptions;
  /** Lower-cased name of the request header that carries the ID token. */
  header: string;
  /** A token without `email_verified` counts as unverified (default false: Entra ID omits it). */
  requireEmailVerifiedClaim: boolean;
}

/** Every key the provider block may hold: a misspelt one must not be ignored silently. */
const KNOWN_KEYS = [
  'issuer',
  'audience',
  'oidcIdTokenHeader',
  'jwksUri',
  'algorithms',
  'clockTolerance',
  'requiredClaims',
  'requireEmailVerifiedClaim',
  'signIn',
];

// RFC 9110 field-name (token) characters.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

class ConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid config at '${key}': ${problem}`);
    this.name = 'ConfigError';
  }
}

/**
 * Which key under `auth.providers` configures this provider. Backstage only configures a
 * provider whose id equals its key; the module accepts both spellings (see module.ts).
 */
export function findProviderKey(rootConfig: Config): string {
  const providers = rootConfig.getOptionalConfig('auth.providers');
  const present = [PROVIDER_ID, PROVIDER_ID_ALIAS].filter(key => providers?.has(key));
  if (present.length === 0) {
    throw new Error(
      `Missing config 'auth.providers.${PROVIDER_ID}': the oidcProxy auth module is installed but not configured (it needs at least issuer, audience and signIn.resolvers)`,
    );
  }
  if (present.length > 1) {
    throw new Error(
      `Both 'auth.providers.${PROVIDER_ID}' and 'auth.providers.${PROVIDER_ID_ALIAS}' are configured: keep one (the same provider, two spellings)`,
    );
  }
  return present[0];
}

function readStringList(config: Config, key: string, fullKey: string): string[] | undefined {
  if (!config.has(key)) return undefined;
  const value = config.get(key);
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every(v => typeof v === 'string' && v.trim() !== '')) {
    throw new ConfigError(`${fullKey}.${key}`, 'expected a non-empty string or a non-empty list of non-empty strings');
  }
  return list as string[];
}

// The verifier's own rules (https or loopback, algorithms, tolerance...) live in the native
// code; ask it, and put its answer under the config key the operator wrote.
function checkWithVerifier(verify: VerifyOptions, fullKey: string) {
  try {
    validateOptions(verify);
  } catch (error) {
    if (!isNativeError(error) || error.code !== 'ERR_INVALID_OPTIONS') throw error;
    const [, option, problem] = /^options\.(\w+):?\s*(.*)$/s.exec(error.message) ?? [, undefined, error.message];
    throw new ConfigError(option ? `${fullKey}.${option}` : fullKey, problem);
  }
}

/**
 * Validates the provider block. `fullKey` is where it sits in the app config
 * (`auth.providers.oidcProxy` or `auth.providers.oidc-proxy`), for the messages.
 */
export function readOidcProxyConfig(config: Config, fullKey = `auth.providers.${PROVIDER_ID}`): OidcProxyConfig {
  const unknown = config.keys().find(key => !KNOWN_KEYS.includes(key));
  if (unknown !== undefined) {
    throw new ConfigError(`${fullKey}.${unknown}`, `not an option of this provider (known: ${KNOWN_KEYS.join(', ')})`);
  }
  // getString's own errors already name the full key and the config file.
  const issuer = config.getString('issuer');

  if (!config.has('audience')) config.getString('audience'); // throws Backstage's "Missing required config value"
  const audience = readStringList(config, 'audience', fullKey)!;

  const header = (config.getOptionalString('oidcIdTokenHeader') ?? DEFAULT_HEADER).trim().toLowerCase();
  if (!HEADER_NAME.test(header)) {
    throw new ConfigError(`${fullKey}.oidcIdTokenHeader`, 'not a valid HTTP header name');
  }
  if (header === 'authorization') {
    // Backstage itself reads `authorization` for its own tokens; an ID token there would
    // collide with service-to-service and user tokens.
    throw new ConfigError(`${fullKey}.oidcIdTokenHeader`, "may be any header except 'authorization'");
  }

  const jwksUri = config.getOptionalString('jwksUri');
  const algorithms = readStringList(config, 'algorithms', fullKey);
  const clockTolerance = config.getOptionalNumber('clockTolerance');
  const requiredClaims = readStringList(config, 'requiredClaims', fullKey);

  const verify: VerifyOptions = { issuer, audience: audience.length === 1 ? audience[0] : audience };
  if (jwksUri !== undefined) verify.jwksUri = jwksUri;
  if (algorithms !== undefined) verify.algorithms = algorithms;
  if (clockTolerance !== undefined) verify.clockTolerance = clockTolerance;
  if (requiredClaims !== undefined) verify.requiredClaims = requiredClaims;
  checkWithVerifier(verify, fullKey);
  const requireEmailVerifiedClaim = config.getOptionalBoolean('requireEmailVerifiedClaim') ?? false;
  return { verify, header, requireEmailVerifiedClaim };
}
