// Our @backstage/* dependency ranges resolve to the app's own copies: one version of each shared
// backend library in the generated app, as `yarn why` shows it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appDirs, appYarn } from '../lib/app.mjs';

const OURS = '@backstage/plugin-auth-backend-module-oidc-proxy-provider';

for (const template of ['default', 'legacy']) {
  describe(`${template} template`, () => {
    for (const lib of ['@backstage/plugin-auth-node', '@backstage/backend-plugin-api']) {
      test(`yarn why ${lib} shows one version`, () => {
        const { dir } = appDirs(template);
        const [command, ...yarn] = appYarn(dir);
        const out = execFileSync(command, [...yarn, 'why', lib], { cwd: dir, encoding: 'utf8', env: { ...process.env, YARN_ENABLE_TELEMETRY: '0' } });
        const versions = new Set([...out.matchAll(new RegExp(`${lib}@npm:([^\\s)]+)`, 'g'))].map(m => m[1]));
        assert.ok(out.includes(OURS), `our module depends on ${lib}:\n${out}`);
        assert.equal(versions.size, 1, `versions of ${lib}: ${[...versions].join(', ')}\n${out}`);
      });
    }
  });
}
