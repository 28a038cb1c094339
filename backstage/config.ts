// Reads and validates the provider block, once, at start-up. Every error names the full
// config key, because the operator's only clue at start-up is the message Backstage prints
// before the process exits.
import type { Config } from '@backstage/config';
import { OidcVerifier, isNativeError, type VerifyOptions } from './native';
import { PROVIDER_ID } from './alias';
import { DEFAULT_MAX_AGE_SECONDS, MAX_MAX_AGE_SECONDS } from './signInCache';

export const DEFAULT_HEADER = 'x-oidc-id-token';

/** The provider's options after validation. */
export interface OidcProxyConfig {
  /** The verification options, as given to the verifier. */
  verify: VerifyOptions;
  /** The native verifier, built once for these options. */
  verifier: OidcVerifier;
  /** Lower-cased name of the request header that carries the ID token. */
  header: string;
  /** A token without `email_verified` counts as unverified (default false: Entra ID omits it). */
  requireEmailVerifiedClaim: boolean;
  /** How long a sign-in result is served again for the same ID token; 0: never. */
  signInCacheMaxAgeSeconds: number;
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
  'signInCacheMaxAgeSeconds',
  'signIn',
  // Read by the frontend package (@backstage/plugin-app-module-oidc-proxy); checked here only.
  'signOutUrl',
];

// RFC 9110 field-name (token) characters.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

class ConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid config at '${key}': ${problem}`);
    this.name = 'ConfigError';
  }
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
// code: building the verifier checks them, and its error names the option at fault.
function buildVerifier(verify: VerifyOptions, fullKey: string): OidcVerifier {
  try {
    return new OidcVerifier(verify);
  } catch (error) {
    if (!isNativeError(error) || error.code !== 'ERR_INVALID_OPTIONS') throw error;
    const problem = error.option ? error.message.replace(`options.${error.option}: `, '') : error.message;
    throw new ConfigError(error.option ? `${fullKey}.${error.option}` : fullKey, problem);
  }
}

// The browser goes to it as it is: an absolute URL or a path on Backstage's own origin.
function checkSignOutUrl(config: Config, fullKey: string): void {
  const url = config.getOptionalString('signOutUrl');
  if (url === undefined || (url.startsWith('/') && !url.startsWith('//'))) return;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new ConfigError(`${fullKey}.signOutUrl`, 'expected an http(s) URL or a path starting with /');
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
  const verifier = buildVerifier(verify, fullKey);
  const requireEmailVerifiedClaim = config.getOptionalBoolean('requireEmailVerifiedClaim') ?? false;
  const signInCacheMaxAgeSeconds = config.getOptionalNumber('signInCacheMaxAgeSeconds') ?? DEFAULT_MAX_AGE_SECONDS;
  if (!(signInCacheMaxAgeSeconds >= 0 && signInCacheMaxAgeSeconds <= MAX_MAX_AGE_SECONDS)) {
    throw new ConfigError(
      `${fullKey}.signInCacheMaxAgeSeconds`,
      `must be between 0 (off) and ${MAX_MAX_AGE_SECONDS} seconds`,
    );
  }
  checkSignOutUrl(config, fullKey);
  return { verify, verifier, header, requireEmailVerifiedClaim, signInCacheMaxAgeSeconds };
}
