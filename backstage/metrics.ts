// Metrics through @opentelemetry/api, as Backstage's own plugins record them: whatever
// MeterProvider the backend registers (e.g. the Prometheus exporter) receives them.
import { metrics, type Counter } from '@opentelemetry/api';
import { counters, type OidcVerifier } from './native';

const METER_NAME = '@backstage/plugin-auth-backend-module-oidc-proxy-provider';

interface Instruments {
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
    signIns: meter.createCounter('auth.oidc_proxy.sign_ins', {
      description: 'Refresh requests by outcome: ok, cache_hit (answered by the sign-in cache), or the error answered',
    }),
  };

  // The native core counts verifications, fetches and cache lookups process-wide, each once,
  // and its one table of counters names the metric and attributes of each: report them as
  // they stand whenever the exporter collects.
  const byMetric = new Map<string, string>();
  for (const { metric, description } of counters()) byMetric.set(metric, description);
  for (const [metric, description] of byMetric) {
    meter.createObservableCounter(metric, { description }).addCallback(result => {
      for (const counter of counters()) {
        // Attributes in a fixed order (the native map has none), so each series is one key.
        const attributes = Object.fromEntries(Object.entries(counter.attributes).sort());
        if (counter.metric === metric) result.observe(counter.value, attributes);
      }
    });
  }
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

/** `outcome`: ok, cache_hit, or the name of the error answered (a small fixed set). */
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
