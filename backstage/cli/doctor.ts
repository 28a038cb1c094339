// `doctor --config FILE…`: the issuer as the verifier will use it (discovery, JWKS by the
// module's key rules, algorithms, clock), checked natively, plus the config errors that
// start-up would report.
import { diagnoseIssuer, type VerifyOptions } from '../native';
import type { OidcProxyConfig } from '../config';
import { parseArgs } from './args';
import { loadProvider } from './load-config';
import { Output, type Mark } from './output';

export const usage = `backstage-oidc-proxy doctor --config FILE [--config FILE…] [--provider ID] [--json]
  Checks the configured issuer: reachable, its discovery document's issuer, its JWKS (keys
  this module can use: algorithms, sizes, unique kids), the algorithms overlap and the clock
  offset against its Date header (more than clockTolerance fails).
  Exit 0: all pass; 1: a check fails; 2: usage or config error.`;

/** Every issuer the provider block configures, each as the options of a one-issuer verifier. */
export function issuersOf(parsed: OidcProxyConfig): VerifyOptions[] {
  const { issuers, ...shared } = parsed.verify;
  if (!issuers) return [parsed.verify];
  return issuers.map(({ allowedDomains: _domains, ...entry }) => ({ ...shared, ...entry }));
}

const MARK: Record<string, Mark> = { pass: 'ok', fail: 'fail', warn: 'warn', skip: 'skip' };

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['--config', '--provider']);
  if (args.help) return (process.stdout.write(`${usage}\n`), 0);
  const out = new Output(args.json);
  const loaded = await loadProvider(args.configs, args.provider);
  out.step('config', 'ok', `${loaded.fullKey} passes the start-up checks`);
  const issuers = [];
  let failed = false;
  for (const options of issuersOf(loaded.parsed)) {
    out.text(`issuer ${options.issuer}:`);
    const checks = await diagnoseIssuer(options);
    for (const c of checks) out.step(c.name, MARK[c.status] ?? 'info', c.detail);
    failed ||= checks.some(c => c.status === 'fail');
    issuers.push({ issuer: options.issuer, checks });
  }
  out.done({ ok: !failed, exitCode: failed ? 1 : 0, provider: loaded.fullKey, issuers });
  return failed ? 1 : 0;
}
