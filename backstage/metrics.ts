// Metrics through @opentelemetry/api, as Backstage's own plugins record them: whatever
// MeterProvider the backend registers (e.g. the Prometheus exporter) receives them.
import { metrics, type Counter } from '@opentelemetry/api';
import { cacheStats, type OidcVerifier } from './native';

const METER_NAME = '@backstage/plugin-auth-backend-module-oidc-proxy-provider';

interface Instruments {
  verifications: Counter;
  signIns: Counter;
}

let instruments: Instruments | undefined;
/** The verifiers whose per-issuer counts are exported (one per configured provider). */
const observed = new Set<OidcVerifier>();

// Created on first use, not at import: OpenTelemetry's metrics API has no proxy provider,
// so a meter taken before the backend registers its MeterProvider would stay a no-op.
function get(): Instruments {
  if (instruments) return instruments;
  const meter = metrics.getMeter(METER_NAME);
  instruments = {
    verifications: meter.createCounter('auth.oidc_proxy.verifications', {
      description: 'ID token verifications by outcome: ok, or the native error code',
    }),
    signIns: meter.createCounter('auth.oidc_proxy.sign_ins', {
      description: 'Refresh requests by outcome: ok, or the status code answered',
    }),
  };

  // The native core counts fetches and cache hits process-wide; report its counters as
  // they stand whenever the exporter collects.
  const fetches = meter.createObservableCounter('auth.oidc_proxy.key_fetches', {
    description: 'Discovery and JWKS fetches by document and result',
  });
  const lookups = meter.createObservableCounter('auth.oidc_proxy.cache_lookups', {
    description: 'Key cache and verified-token cache lookups by cache and result',
  });
  fetches.addCallback(result => {
    const s = cacheStats();
    result.observe(s.discoveryFetchOk ?? 0, { document: 'discovery', result: 'ok' });
    result.observe(s.discoveryFetchError ?? 0, { document: 'discovery', result: 'error' });
    result.observe(s.jwksFetchOk ?? 0, { document: 'jwks', result: 'ok' });
    result.observe(s.jwksFetchError ?? 0, { document: 'jwks', result: 'error' });
  });
  lookups.addCallback(result => {
    const s = cacheStats();
    result.observe(s.keyCacheHit ?? 0, { cache: 'key', result: 'hit' });
    result.observe(s.keyCacheMiss ?? 0, { cache: 'key', result: 'miss' });
    result.observe(s.tokenCacheHit ?? 0, { cache: 'token', result: 'hit' });
    result.observe(s.tokenCacheMiss ?? 0, { cache: 'token', result: 'miss' });
  });
  // Per issuer: the native verifier counts each token against the issuer its `iss` chose
  // (a token naming no configured issuer is counted in `verifications` only).
  const byIssuer = meter.createObservableCounter('auth.oidc_proxy.issuer_verifications', {
    description: 'ID token verifications by configured issuer and result (ok, refused)',
  });
  byIssuer.addCallback(result => {
    for (const verifier of observed) {
      for (const { issuer, verified, refused } of verifier.issuers()) {
        result.observe(verified, { issuer, result: 'ok' });
        result.observe(refused, { issuer, result: 'refused' });
      }
    }
  });
  return instruments;
}

/**
 * `outcome` is 'ok' or a native error code: a bounded set, safe as an attribute. `issuer`, when
 * known, is a configured issuer (never an unverified `iss`): also a bounded set.
 */
export function recordVerification(outcome: string, issuer?: string) {
  get().verifications.add(1, issuer === undefined ? { outcome } : { outcome, issuer });
}

export function recordSignIn(outcome: string) {
  get().signIns.add(1, { outcome });
}

/** Exports this verifier's counts by issuer until the returned function is called. */
export function observeIssuers(verifier: OidcVerifier): () => void {
  observed.add(verifier);
  return () => observed.delete(verifier);
}

/** Creates the instruments now, so the native counters are exported from start-up on. */
export function initMetrics() {
  get();
}
