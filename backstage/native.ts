// The one place that loads the native addon. `../index.js` is the loader that
// `napi build --platform` generates at the package root (from dist/ it is one level up); it
// finds the binary next to itself (a source build) or in this platform's npm package
// (npm/<platform>/, an optional dependency). load-native.ts turns a miss into an actionable error.
import { loadNative } from './load-native';

const native = loadNative();

export const { verifyIdToken, resolveIdentity, prefetchKeys, cacheStats, validateOptions } = native;
export type { VerifyOptions, IdentityOptions, Identity, Profile } from '../index.js';

/** Every error the native functions throw or reject with carries a stable `code`. */
export interface NativeError extends Error {
  code: string;
  /** Which claim failed, for ERR_JWT_CLAIM_VALIDATION_FAILED. */
  claim?: string;
}

export function isNativeError(error: unknown): error is NativeError {
  return error instanceof Error && typeof (error as NativeError).code === 'string';
}
