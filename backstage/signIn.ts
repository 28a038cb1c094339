// The one native call of a sign-in. `OidcVerifier.signIn` verifies the header's token and
// computes, for every configured resolver entry, what that resolver needs (the checked
// email, the names, the groups) in the same call; it is made once per request and shared
// by the sign-in cache, the authenticator and the resolvers, so no claims travel back into
// the native code during a sign-in.
import type { OidcProxyConfig } from './config';
import { SignInRules, type CheckedEmail } from './native';

/** A refusal computed for one resolver entry; it counts only if the chain reaches that entry. */
export interface EntryRefusal {
  code: string;
  message: string;
  claim?: string | null;
}

/** What the native rules computed for one resolver entry (the members its lookup needs). */
export interface EntryResult {
  error?: EntryRefusal;
  /** The email, parsed once, verified, in allowedDomains. */
  email?: CheckedEmail;
  /** The name for `dangerouslyAllowSignInWithoutUserInCatalog`, or why there is none. */
  fallback?: { name?: string; error?: EntryRefusal };
  /** The user name (the email's local part). */
  name?: string;
  /** A claim's value. */
  value?: string;
  /** Why this entry finds no User (a missing claim, a value that cannot be a name). */
  absent?: string;
  iss?: string | null;
  sub?: string | null;
  /** `group:<namespace>/<name>` from `groupsClaim`, added to the catalog's ownership refs. */
  groups?: string[];
  userEntityName?: string;
  userEntityRef?: string;
  ownershipEntityRefs?: string[];
}

/** What `OidcVerifier.signIn` resolves with. */
export interface SignInResult {
  /** The verifier's id of this verification (the sign-in cache's key), null when not kept. */
  id: number | null;
  /** The verifier had verified the token before (answered from its token cache). */
  repeated: boolean;
  /** The configured issuer that verified the token. */
  issuer: string;
  claims: Record<string, unknown>;
  profile: { email?: string | null; displayName?: string | null; picture?: string | null };
  resolvers: EntryResult[];
  /** `groupsClaim` values that could not name a group, escaped and cut; at most five. */
  groupsLeftOut: { count: number; values: string[] } | null;
}

interface HasHeaders {
  get(name: string): string | undefined;
}

const calls = new WeakMap<object, Promise<SignInResult>>();
const noResolvers = new WeakMap<OidcProxyConfig, SignInRules>();

/** Rules that compute the profile only, for an authenticator used without the resolver chain. */
export function profileOnlyRules(config: OidcProxyConfig): SignInRules {
  let rules = noResolvers.get(config);
  if (!rules) {
    rules = new SignInRules({ requireEmailVerifiedClaim: config.requireEmailVerifiedClaim, resolvers: [] });
    noResolvers.set(config, rules);
  }
  return rules;
}

/**
 * The sign-in of this request, made at most once: undefined when the request carries no
 * token. The promise rejects with the native error when the token does not verify.
 */
export function signInOf(
  req: HasHeaders,
  config: OidcProxyConfig,
  rules: SignInRules,
): Promise<SignInResult> | undefined {
  const known = calls.get(req);
  if (known) return known;
  const value = req.get(config.header);
  if (!value) return undefined;
  const call = config.verifier.signIn(value, rules) as Promise<unknown> as Promise<SignInResult>;
  // Whoever awaits it handles a rejection; this keeps an unawaited one from being reported.
  call.catch(() => {});
  calls.set(req, call);
  return call;
}
