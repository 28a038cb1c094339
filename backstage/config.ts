// Reads and validates the provider block, once, at start-up. Every error names the full
// config key, because the operator's only clue at start-up is the message Backstage prints
// before the process exits.
import type { Config } from '@backstage/config';
import { OidcVerifier, isNativeError, optionNames, type IssuerOptions, type VerifyOptions } from './native';
import { PROVIDER_ID } from './alias';
import { DEFAULT_MAX_AGE_SECONDS, MAX_MAX_AGE_SECONDS } from './signInCache';

export const DEFAULT_HEADER = 'x-oidc-id-token';

/** One trusted issuer as configured; the single-issuer form is a list of one. */
export interface OidcProxyIssuer {
  issuer: string;
  audience: string[];
  /** Where its keys come from: the option that gave them, or discovery. */
  keys: 'discovery' | 'jwksUri' | 'jwks' | 'jwksFile';
  jwksUri?: string;
  jwksFile?: string;
  /** The email domains this issuer may vouch for; empty: any. */
  allowedDomains: string[];
}

/** The provider's options after validation. */
export interface OidcProxyConfig {
  /** The verification options, as given to the verifier. */
  verify: VerifyOptions;
  /** The native verifier, built once for these options. */
  verifier: OidcVerifier;
  /** The trusted issuers, in the order configured (the index the native core reports). */
  issuers: OidcProxyIssuer[];
  /** Lower-cased name of the request header that carries the ID token. */
  header: string;
  /** A token without `email_verified` counts as unverified (default false: Entra ID omits it). */
  requireEmailVerifiedClaim: boolean;
  /** How long a sign-in result is served again for the same ID token; 0: never. */
  signInCacheMaxAgeSeconds: number;
}

/** The keys of the provider block that only this module reads (the rest are the verifier's). */
const MODULE_KEYS = [
  'oidcIdTokenHeader',
  'requireEmailVerifiedClaim',
  'signInCacheMaxAgeSeconds',
  'signIn',
  // Read by the frontend package (@backstage/plugin-app-module-oidc-proxy); checked here only.
  'signOutUrl',
];

/**
 * Every key the provider block may hold: a misspelt one must not be ignored silently. The
 * verifier's are the native reader's own names; config.d.ts is checked against this list.
 */
export const KNOWN_KEYS = [...optionNames().verify, ...MODULE_KEYS];

/** The keys of one `issuers` entry, as the native reader accepts them. */
export const ISSUER_KEYS = optionNames().issuer;

/** Three ways to give one issuer's keys; at most one per issuer. */
const KEY_SOURCES = ['jwksUri', 'jwks', 'jwksFile'] as const;
/** What `issuers` replaces at the top level. */
const SINGLE_ISSUER_KEYS = ['issuer', 'audience', ...KEY_SOURCES];

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

/** The keys of one issuer (top level or an entry): discovery unless one source is given. */
function readKeySource(config: Config, fullKey: string) {
  const given = KEY_SOURCES.filter(key => config.has(key));
  if (given.length > 1) {
    throw new ConfigError(
      `${fullKey}.${given[1]}`,
      `cannot be combined with ${given[0]}: jwksUri, jwks and jwksFile are three ways to give one issuer's keys`,
    );
  }
  const source: Pick<VerifyOptions, 'jwksUri' | 'jwks' | 'jwksFile'> = {};
  if (config.has('jwksUri')) source.jwksUri = config.getString('jwksUri');
  if (config.has('jwksFile')) source.jwksFile = config.getString('jwksFile');
  if (config.has('jwks')) {
    // An object in YAML, or its JSON text (what `${VAR}` substitution yields).
    const jwks = config.get('jwks');
    if (typeof jwks !== 'string' && (jwks === null || typeof jwks !== 'object' || Array.isArray(jwks))) {
      throw new ConfigError(`${fullKey}.jwks`, 'expected a JWKS object ({ keys: [...] }) or its JSON text');
    }
    source.jwks = jwks as string | Record<string, unknown>;
  }
  return source;
}

function describeIssuer(options: IssuerOptions | VerifyOptions, allowedDomains: string[] = []): OidcProxyIssuer {
  const audience = options.audience ?? [];
  const summary: OidcProxyIssuer = {
    issuer: options.issuer ?? '',
    audience: Array.isArray(audience) ? audience : [audience],
    keys: KEY_SOURCES.find(key => options[key] !== undefined) ?? 'discovery',
    allowedDomains,
  };
  if (options.jwksUri !== undefined) summary.jwksUri = options.jwksUri;
  if (options.jwksFile !== undefined) summary.jwksFile = options.jwksFile;
  return summary;
}

function readAudience(config: Config, fullKey: string): string | string[] {
  if (!config.has('audience')) config.getString('audience'); // throws Backstage's "Missing required config value"
  const audience = readStringList(config, 'audience', fullKey)!;
  return audience.length === 1 ? audience[0] : audience;
}

/** `issuers`: each entry checked where it sits (`...issuers[1].audience`). */
function readIssuers(config: Config, fullKey: string): IssuerOptions[] {
  const mixed = SINGLE_ISSUER_KEYS.filter(key => config.has(key));
  if (mixed.length > 0) {
    throw new ConfigError(
      fullKey,
      `'issuers' cannot be combined with the top-level ${mixed.map(k => `'${k}'`).join(', ')}: give either issuer and audience, or issuers (each entry with its own audience and keys)`,
    );
  }
  const entries = config.getConfigArray('issuers');
  if (entries.length === 0) throw new ConfigError(`${fullKey}.issuers`, 'must list at least one issuer');
  const seen = new Map<string, number>();
  return entries.map((entry, index) => {
    const entryKey = `${fullKey}.issuers[${index}]`;
    const unknown = entry.keys().find(key => !ISSUER_KEYS.includes(key));
    if (unknown !== undefined) {
      throw new ConfigError(
        `${entryKey}.${unknown}`,
        `not an option of an issuers entry (known: ${ISSUER_KEYS.join(', ')})`,
      );
    }
    const issuer = entry.getString('issuer');
    const first = seen.get(issuer);
    if (first !== undefined) {
      throw new ConfigError(`${entryKey}.issuer`, `repeats issuers[${first}].issuer: each issuer may be listed once`);
    }
    seen.set(issuer, index);
    const options: IssuerOptions = {
      issuer,
      audience: readAudience(entry, entryKey),
      ...readKeySource(entry, entryKey),
    };
    const allowedDomains = readStringList(entry, 'allowedDomains', entryKey);
    if (allowedDomains !== undefined) options.allowedDomains = allowedDomains;
    return options;
  });
}

// The verifier's own rules (https or loopback, algorithms, tolerance, keys, allowedDomains...)
// live in the native code: building the verifier checks them, and its error names the
// option at fault (`issuers[1].jwksFile`), which is its config key under the provider block.
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
  let verify: VerifyOptions;
  if (config.has('issuers')) {
    verify = { issuers: readIssuers(config, fullKey) };
  } else {
    // getString's own errors already name the full key and the config file.
    const issuer = config.getString('issuer');
    verify = { issuer, audience: readAudience(config, fullKey), ...readKeySource(config, fullKey) };
  }

  const header = (config.getOptionalString('oidcIdTokenHeader') ?? DEFAULT_HEADER).trim().toLowerCase();
  if (!HEADER_NAME.test(header)) {
    throw new ConfigError(`${fullKey}.oidcIdTokenHeader`, 'not a valid HTTP header name');
  }
  if (header === 'authorization') {
    // Backstage itself reads `authorization` for its own tokens; an ID token there would
    // collide with service-to-service and user tokens.
    throw new ConfigError(`${fullKey}.oidcIdTokenHeader`, "may be any header except 'authorization'");
  }

  const algorithms = readStringList(config, 'algorithms', fullKey);
  const clockTolerance = config.getOptionalNumber('clockTolerance');
  const requiredClaims = readStringList(config, 'requiredClaims', fullKey);

  if (algorithms !== undefined) verify.algorithms = algorithms;
  if (clockTolerance !== undefined) verify.clockTolerance = clockTolerance;
  if (requiredClaims !== undefined) verify.requiredClaims = requiredClaims;
  const verifier = buildVerifier(verify, fullKey);
  const issuers = verify.issuers?.map(entry => describeIssuer(entry, entry.allowedDomains)) ?? [describeIssuer(verify)];
  const requireEmailVerifiedClaim = config.getOptionalBoolean('requireEmailVerifiedClaim') ?? false;
  const signInCacheMaxAgeSeconds = config.getOptionalNumber('signInCacheMaxAgeSeconds') ?? DEFAULT_MAX_AGE_SECONDS;
  if (!(signInCacheMaxAgeSeconds >= 0 && signInCacheMaxAgeSeconds <= MAX_MAX_AGE_SECONDS)) {
    throw new ConfigError(
      `${fullKey}.signInCacheMaxAgeSeconds`,
      `must be between 0 (off) and ${MAX_MAX_AGE_SECONDS} seconds`,
    );
  }
  checkSignOutUrl(config, fullKey);
  return { verify, verifier, issuers, header, requireEmailVerifiedClaim, signInCacheMaxAgeSeconds };
}
