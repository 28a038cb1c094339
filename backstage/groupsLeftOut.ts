// The warning for `groupsClaim` values that could not name a group. They are left out and
// the sign-in goes on; the operator hears of them at most once a minute per provider, with
// how many there were since the last line and up to five distinct values (already escaped
// and cut at 64 characters by the native rules). Group names are not personal data, so they
// are the one kind of claim value a log line carries.
import type { LoggerService } from '@backstage/backend-plugin-api';

const INTERVAL_MS = 60_000;
const SHOWN = 5;

export function groupsLeftOutWarner(logger: LoggerService, fullKey: string, now: () => number = Date.now) {
  let last = -Infinity;
  let count = 0;
  const values = new Set<string>();
  return (leftOut: { count: number; values: string[] }) => {
    count += leftOut.count;
    for (const value of leftOut.values) if (values.size < SHOWN) values.add(value);
    if (now() - last < INTERVAL_MS) return;
    last = now();
    // Already escaped by the native rules (quotes and control characters included).
    const shown = [...values].map(v => `"${v}"`).join(', ');
    logger.warn(
      `oidcProxy: left out ${count} groupsClaim value(s) that cannot name a group, the sign-ins went on without them (${fullKey}; values: ${shown}); a value is a group name, ns/name, group:ns/name or a /path whose last segment is a name`,
    );
    count = 0;
    values.clear();
  };
}
