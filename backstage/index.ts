/**
 * The `oidcProxy` auth provider for Backstage: signs users in from an OIDC ID token that an
 * identity-aware proxy puts in a request header, verified by the package's native core.
 *
 * @packageDocumentation
 */
export { authModuleOidcProxyProvider as default } from './module';
export { authModuleOidcProxyProvider } from './module';
export {
  createOidcProxyAuthenticator,
  oidcProxyAuthenticator,
  profileFromClaims,
  type OidcProxyResult,
  type OidcProxyProviderInfo,
} from './authenticator';
export {
  oidcProxySignInResolvers,
  readSignInResolver,
  readSignIn,
  type OidcProxySignIn,
  type OidcProxySignInResolverName,
  type OidcProxySignInResolverFactory,
} from './resolvers';
export { createOidcProxyProviderFactory, type OidcProxyProviderFactoryOptions } from './provider';
export { readOidcProxyConfig, DEFAULT_HEADER, type OidcProxyConfig, type OidcProxyIssuer } from './config';
export { findProviderKey, PROVIDER_ID, PROVIDER_ID_ALIAS } from './alias';
export {
  OidcVerifier,
  IdentityResolver,
  SignInRules,
  verifyIdToken,
  resolveIdentity,
  resolveEmail,
  resolveProfile,
  validateIdentityOptions,
  prefetchKeys,
  cacheStats,
  isNativeError,
  type NativeError,
  type VerifyOptions,
  type IssuerOptions,
  type IssuerStatus,
  type JwksFileStatus,
  type IdentityOptions,
  type Identity,
  type Profile,
  type CheckedEmail,
  type CacheStats,
  type SignInResolverRules,
  type SignInRulesOptions,
  type ErrorCode,
} from './native';
export type { SignInResult, EntryResult, EntryRefusal } from './signIn';
