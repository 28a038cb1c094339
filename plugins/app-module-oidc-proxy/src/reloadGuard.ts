// One reload through the proxy, so it can sign the user in again (silently while the IdP's
// session lives); a second failure within a minute of it shows the refusal page instead of
// reloading again, so a proxy that cannot renew its session never loops.

const KEY = 'oidcProxy.reloadedAt';
const WINDOW_MS = 60_000;
let reloading = false;

/** Reloads the page, unless it already did within the last minute; true when it reloads. */
export function reloadThroughProxy(): boolean {
  if (reloading) return true;
  let last = 0;
  try {
    last = Number(window.sessionStorage.getItem(KEY)) || 0;
  } catch {
    // Storage refused (privacy settings): without a record, never reload.
    return false;
  }
  if (Date.now() - last < WINDOW_MS) return false;
  window.sessionStorage.setItem(KEY, String(Date.now()));
  reloading = true;
  window.location.reload();
  return true;
}
