// What the module says about its trusted issuers: one start-up line each, the warm-up of
// their keys, the warning when several issuers can assert the same emails, and the
// reports about a pinned JWKS file (read again by the native core when it changes).
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { OidcProxyConfig, OidcProxyIssuer } from './config';
import type { OidcProxySignIn } from './resolvers';

function keysOf(issuer: OidcProxyIssuer) {
  switch (issuer.keys) {
    case 'jwksUri':
      return `keys from ${issuer.jwksUri}`;
    case 'jwks':
      return 'pinned keys from the inline jwks, no network calls';
    case 'jwksFile':
      return `pinned keys from the file ${issuer.jwksFile}, read again when it changes, no network calls`;
    default:
      return 'keys by discovery';
  }
}

/** One info line per trusted issuer. */
export function logIssuers(fullKey: string, { issuers, header }: OidcProxyConfig, logger: LoggerService) {
  issuers.forEach((issuer, index) => {
    const where = issuers.length > 1 ? `${fullKey}.issuers[${index}]` : fullKey;
    const domains = issuer.allowedDomains.length ? `, emails of ${issuer.allowedDomains.join(', ')} only` : '';
    logger.info(
      `oidcProxy: configured from '${where}' (issuer ${issuer.issuer}, audience ${issuer.audience.join(', ')}, ${keysOf(issuer)}${domains}, ID token header ${header})`,
    );
  });
}

/**
 * Every listed issuer is trusted for every email it may assert: with several issuers and
 * email-based resolvers, any of them can sign a token for jane@example.com and become Jane,
 * unless entries restrict their domains.
 */
export function warnAboutSharedEmails(
  { entries }: OidcProxySignIn,
  fullKey: string,
  { issuers }: OidcProxyConfig,
  logger: LoggerService,
) {
  if (issuers.length < 2 || issuers.some(issuer => issuer.allowedDomains.length > 0)) return;
  // The entries whose native rules decide who the user is by the email: a user name from a
  // claim of its own is not an email decision.
  const byEmail = entries
    .filter(
      ({ rules }) =>
        ['email', 'emailLocalPart'].includes(rules.lookup) || (rules.lookup === 'identity' && !rules.userNameClaim),
    )
    .map(({ name }) => name);
  if (byEmail.length === 0) return;
  logger.warn(
    `oidcProxy: '${fullKey}.issuers' lists ${issuers.length} issuers and the resolvers ${[...new Set(byEmail)].join(', ')} match users by email, but no entry sets allowedDomains: each issuer is trusted for every email it asserts, so any of them can sign in any user. Set allowedDomains on the entries to the domains each issuer owns.`,
  );
}

// Warms the native key caches without holding up start-up: an issuer that is down now must
// not keep Backstage from starting, it only means 503s for its users until it is back.
export function warmKeys({ verifier, issuers }: OidcProxyConfig, logger: LoggerService) {
  issuers.forEach((issuer, index) => {
    if (issuer.keys === 'jwks' || issuer.keys === 'jwksFile') return; // held since start-up
    verifier.prefetchKeys(index).then(
      () => logger.info(`oidcProxy: signing keys of ${issuer.issuer} fetched`),
      error =>
        logger.warn(
          `oidcProxy: could not fetch the signing keys of ${issuer.issuer} at start-up (${error?.code ?? 'error'}): ${error?.message ?? error}; sign-ins with its tokens answer 503 until the issuer is reachable, then recover by themselves`,
        ),
    );
  });
}

/** How often the native status of JWKS files is read; the native core polls the files themselves. */
const FILE_REPORT_INTERVAL_MS = 1000;

/**
 * Reports pinned JWKS files: a warning once per bad episode (the last good keys keep
 * serving), an info line when changed keys are taken or the file is good again. Returns the
 * function that stops it.
 */
export function reportJwksFiles({ verifier, issuers }: OidcProxyConfig, logger: LoggerService): () => void {
  if (!issuers.some(issuer => issuer.keys === 'jwksFile')) return () => {};
  let seen = verifier.issuers().map(status => status.jwksFile);
  const timer = setInterval(() => {
    const now = verifier.issuers().map(status => status.jwksFile);
    now.forEach((file, index) => {
      const before = seen[index];
      if (!file || !before) return;
      const issuer = issuers[index].issuer;
      if (file.badEpisodes > before.badEpisodes && file.problem) {
        logger.warn(
          `oidcProxy: the JWKS file ${file.path} of ${issuer} ${file.problem}; the last good keys stay in use until the file is fixed`,
        );
      } else if (before.problem && !file.problem) {
        logger.info(`oidcProxy: the JWKS file ${file.path} of ${issuer} is good again`);
      }
      if (file.reloads > before.reloads) {
        logger.info(`oidcProxy: the JWKS file ${file.path} of ${issuer} changed; its new keys are in use`);
      }
    });
    seen = now;
  }, FILE_REPORT_INTERVAL_MS);
  timer.unref(); // never what keeps the process alive
  return () => clearInterval(timer);
}
