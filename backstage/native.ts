// The one place that loads the native addon. `../index.js` is the loader that
// `napi build --platform` generates at the package root (from dist/ it is one level up); it
// finds the binary next to itself (a source build) or in this platform's npm package
// (npm/<platform>/, an optional dependency). load-native.ts turns a miss into an actionable error.
import type * as NativeTypes from '../index.js';
import { loadNative } from './load-native';

const native = loadNative();

export const {
  OidcVerifier,
  IdentityResolver,
  SignInRules,
  verifyIdToken,
  resolveIdentity,
  resolveEmail,
  resolveProfile,
  prefetchKeys,
  cacheStats,
  counters,
  errorCodeTable,
  optionNames,
  validateOptions,
  validateIdentityOptions,
  inspectToken,
  decodeToken,
  diagnoseIssuer,
} = native;
export type OidcVerifier = InstanceType<typeof native.OidcVerifier>;
export type IdentityResolver = InstanceType<typeof native.IdentityResolver>;
export type SignInRules = InstanceType<typeof native.SignInRules>;
export type {
  VerifyOptions,
  IssuerOptions,
  IssuerStatus,
  JwksFileStatus,
  IdentityOptions,
  Identity,
  Profile,
  CheckedEmail,
  CacheStats,
  SignInResolverRules,
  SignInRulesOptions,
  ErrorCode,
  TokenSummary,
  DecodedToken,
  IssuerCheck,
} from '../index.js';

/** Every error the native functions throw or reject with carries a stable `code`. */
export interface NativeError extends Error {
  code: NativeTypes.ErrorCode;
  /** Which claim failed, for ERR_JWT_CLAIM_VALIDATION_FAILED and ERR_JWT_EXPIRED. */
  claim?: string;
  /** Which option is at fault, for ERR_INVALID_OPTIONS. */
  option?: string;
}

export function isNativeError(error: unknown): error is NativeError {
  return error instanceof Error && typeof (error as NativeError).code === 'string';
}
