// Loads the addon as an installed package would (the main package's napi loader finding its
// platform package in node_modules) and verifies a real token from a loopback issuer.
// Run by scripts/platform-smoke.sh in a folder it laid out, on the Node under test
// (native, or an arm64/musl Node under qemu or in a musl root).
import { createRequire } from 'node:module';
import { startIssuer, optionsFor } from './support/test-issuer.mjs';

// APP_DIR holds node_modules/<name> (loader only, no .node) and node_modules/<name>-<platform>.
const [name, platform, appDir] = process.argv.slice(2);
const require = createRequire(`${appDir}/`);
const t0 = Date.now();
const { verifyIdToken } = require(`${name}/index.js`);
const binary = Object.keys(require.cache).find(file => file.endsWith('.node'));
if (!binary?.includes(`/node_modules/${name}-${platform}/`)) {
  throw new Error(`expected the binary from ${name}-${platform}, loaded ${binary}`);
}
const issuer = await startIssuer({ algs: ['RS256', 'ES256'] });
try {
  for (const key of issuer.state.keys) {
    const claims = await verifyIdToken(await issuer.sign({}, { key }), optionsFor(issuer));
    if (claims.email !== 'jane.doe@example.com' || claims.iss !== issuer.url) throw new Error(`unexpected claims ${JSON.stringify(claims)}`);
  }
  const forged = (await issuer.sign({ email: 'mallory@example.com' })).replace(/\.[^.]+$/, '.AAAA');
  const error = await verifyIdToken(forged, optionsFor(issuer)).then(() => null, e => e);
  if (error?.code === undefined) throw new Error('a token with a broken signature was accepted');
  process.report.excludeNetwork = true; // a report with network data does DNS lookups
  const { glibcVersionRuntime } = process.report.getReport().header;
  console.log(
    `platform-smoke ${platform}: node ${process.version} ${process.arch} ${glibcVersionRuntime ? `glibc ${glibcVersionRuntime}` : 'musl'}, ` +
      `loaded ${binary.slice(binary.indexOf('node_modules/'))}, RS256+ES256 verified, forged rejected (${error.code}), ${Date.now() - t0} ms`,
  );
} finally {
  await issuer.stop();
}
