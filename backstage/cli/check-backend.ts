// `check --backend URL`: the real answer of a running backend's refresh endpoint, with the
// token in the configured header. The URL must reach the backend directly: a proxy in
// between would replace (or drop) that header.
import type { LoadedProvider } from './load-config';
import type { Output } from './output';

export async function checkBackend(
  out: Output,
  backend: string,
  loaded: LoadedProvider,
  token: string,
): Promise<number> {
  const url = `${backend.replace(/\/+$/, '')}/api/auth/${loaded.providerId}/refresh`;
  let response: Response;
  try {
    // Backstage's refresh endpoint wants this header (a CSRF guard).
    response = await fetch(url, { headers: { [loaded.parsed.header]: token, 'x-requested-with': 'XMLHttpRequest' } });
  } catch (error) {
    const why = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    out.step('backend', 'fail', `GET ${url} failed: ${why}`);
    out.done({ ok: false, exitCode: 2, outcome: 'unreachable', url, steps: out.steps });
    return 2;
  }
  const text = await response.text();
  let body: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: a proxy's page, or not a Backstage backend; shown as the status alone.
  }
  const status = response.status;
  const exitCode = status === 200 ? 0 : status === 401 || status === 403 ? 1 : 2;
  if (status === 200) {
    const identity = body.backstageIdentity?.identity ?? {};
    out.step('backend', 'ok', `GET ${url}: 200, signed in as ${identity.userEntityRef}`);
    out.step('ownership', 'info', (identity.ownershipEntityRefs ?? []).join(', '));
    out.done({ ok: true, exitCode, outcome: 'signed-in', url, status, ...identity, steps: out.steps });
  } else {
    const error = body.error ?? {};
    const ref = error.reference ? ` (reference ${error.reference}: find it in the backend's log)` : '';
    out.step(
      'backend',
      'fail',
      `GET ${url}: ${status} ${error.name ?? ''} ${error.message ?? text.slice(0, 200)}${ref}`,
      error.code,
    );
    out.done({
      ok: false,
      exitCode,
      outcome: status === 401 || status === 403 ? 'refused' : 'error',
      url,
      status,
      error,
      steps: out.steps,
    });
  }
  return exitCode;
}
