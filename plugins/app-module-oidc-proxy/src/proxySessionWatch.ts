// Every Backstage API call, and every script the app loads on a navigation, goes through the
// identity-aware proxy, and fails the same way once the proxy's session has ended: the proxy
// answers instead of Backstage (its own 401 page, or a redirect to the IdP that the browser's
// CORS check turns into a failed fetch). Backstage's fetch API captures `window.fetch` when the
// app starts, so this wraps it on import, before that, and watches failed script loads; on
// those signs it reloads the page through the proxy.
import { proxySessionEnded, refusalOf } from './refusal';
import { reloadThroughProxy } from './reloadGuard';

const MARK = Symbol.for('@backstage/plugin-app-module-oidc-proxy/fetch');

// Backstage's own endpoints on this origin; the proxy plugin's routes pass other servers'
// answers through, so their 401s say nothing about the proxy session.
function watched(input: RequestInfo | URL): boolean {
  let url: URL;
  try {
    url = new URL(input instanceof Request ? input.url : String(input), window.location.href);
  } catch {
    return false;
  }
  return url.origin === window.location.origin && /\/api\//.test(url.pathname) && !/\/api\/proxy\//.test(url.pathname);
}

async function ended(response: Response): Promise<boolean> {
  if (response.type === 'opaqueredirect') return true;
  if (response.status !== 401) return false;
  const json = (response.headers.get('content-type') ?? '').includes('application/json');
  const body = json
    ? await response
        .clone()
        .json()
        .catch(() => undefined)
    : undefined;
  return proxySessionEnded(refusalOf({ response, body, message: `${response.status}` }));
}

// A script or style sheet of this origin failed to load (a page's code, loaded on navigation):
// ask for it again as a fetch, which the proxy answers with a 401 rather than a redirect once
// its session has ended. Backstage never answers a static file with 401.
async function probeAsset(fetchImpl: typeof fetch, url: string): Promise<void> {
  try {
    const response = await fetchImpl(url, { headers: { 'x-requested-with': 'XMLHttpRequest' } });
    if (response.type === 'opaqueredirect' || response.status === 401) reloadThroughProxy();
  } catch (error) {
    if (error instanceof TypeError) reloadThroughProxy();
  }
}

function failedAsset(event: Event): string | undefined {
  const target = event.target;
  const url =
    target instanceof HTMLScriptElement ? target.src : target instanceof HTMLLinkElement ? target.href : undefined;
  if (!url) return undefined;
  return new URL(url, window.location.href).origin === window.location.origin ? url : undefined;
}

/** Wraps window.fetch and watches script loads, once per page. */
export function watchProxySession(): void {
  if (typeof window === 'undefined' || typeof window.fetch !== 'function') return;
  const current = window.fetch as typeof fetch & { [MARK]?: true };
  if (current[MARK]) return;
  // Load errors do not bubble: listen in the capture phase.
  window.addEventListener(
    'error',
    event => {
      const url = failedAsset(event);
      if (url) probeAsset(current.bind(window), url);
    },
    true,
  );
  const wrapped = async (input: RequestInfo | URL, init?: RequestInit) => {
    let response: Response;
    try {
      response = await current.call(window, input, init);
    } catch (error) {
      // A failed fetch that was not aborted: the redirect to the IdP that CORS refused.
      if (error instanceof TypeError && watched(input) && !init?.signal?.aborted) reloadThroughProxy();
      throw error;
    }
    if (watched(input) && (await ended(response))) reloadThroughProxy();
    return response;
  };
  window.fetch = Object.assign(wrapped, { [MARK]: true as const });
}
