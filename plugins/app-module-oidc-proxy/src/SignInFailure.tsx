// What the user sees when /refresh fails: a reload through the proxy when its session has
// ended, a countdown while the issuer is down, otherwise the refusal with its reason, code,
// time and reference, and what to do next. Never "reload the page": that does not help.
import { useEffect, useState, type ReactNode } from 'react';
import { Content, InfoCard, Page, Progress } from '@backstage/core-components';
import { reasonFor } from './reasons';
import { proxySessionEnded, refusalOf, type Refusal } from './refusal';
import { reloadThroughProxy } from './reloadGuard';

/** Backoff while the issuer is unavailable: 2 s, doubling, at most 60 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(2000 * 2 ** attempt, 60_000);
}

export interface SignInFailureProps {
  error?: Error;
  /** Retries so far (0 for the first failure). */
  attempt: number;
  retry(): void;
  signOutUrl?: string;
}

export function SignInFailure({ error, attempt, retry, signOutUrl }: SignInFailureProps) {
  const refusal = refusalOf(error);
  const sessionEnded = proxySessionEnded(refusal);
  const [reloading] = useState(() => sessionEnded && reloadThroughProxy());
  const unavailable = refusal.status === 503;
  const delay = retryDelayMs(attempt);
  const [at] = useState(() => new Date());

  useEffect(() => {
    if (!unavailable) return undefined;
    const timer = setTimeout(retry, delay);
    return () => clearTimeout(timer);
  }, [unavailable, delay, retry]);

  if (reloading) return <Progress />;
  if (unavailable) {
    return (
      <Refused
        title="Sign-in is unavailable for now"
        refusal={{ ...refusal, code: refusal.code ?? 'ERR_ISSUER_UNAVAILABLE' }}
        at={at}
        next={<p>Trying again in {Math.round(delay / 1000)} seconds.</p>}
      />
    );
  }
  const shown: Refusal = sessionEnded ? { ...refusal, code: refusal.code ?? 'ERR_PROXY_SESSION_ENDED' } : refusal;
  // Through the logout URL the proxy forgets its session and starts a new sign-in.
  const again = signOutUrl ?? window.location.href;
  return (
    <Refused
      title="You are not signed in to Backstage"
      refusal={shown}
      at={at}
      next={
        <p>
          You can{' '}
          <a href={again} style={{ color: 'inherit', textDecoration: 'underline' }}>
            sign in again at the proxy
          </a>
          , perhaps with another account, or contact the people who run Backstage
          {shown.reference ? ' and quote the reference above' : ''}.
        </p>
      }
    />
  );
}

function Refused({ title, refusal, at, next }: { title: string; refusal: Refusal; at: Date; next: ReactNode }) {
  const code = refusal.code ?? (refusal.status ? `HTTP ${refusal.status}` : 'no answer');
  return (
    <Page themeId="home">
      <Content>
        <InfoCard title={title}>
          <div data-testid="oidc-proxy-refusal">
            <p>
              <strong>
                {reasonFor(refusal.code)} ({code})
              </strong>
            </p>
            {refusal.message && <p>{refusal.message}</p>}
            <p>
              Time: {at.toISOString()}
              {refusal.reference && (
                <>
                  {' '}
                  · Reference: <code>{refusal.reference}</code>
                </>
              )}
            </p>
            {next}
          </div>
        </InfoCard>
      </Content>
    </Page>
  );
}
