// How the published package finds its binary: from the platform package (an optional
// dependency, as npm installs it), and the error when that package is absent.
// Uses the compiled module (dist/) and the napi loader, laid out as in node_modules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const libc = process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl';
const platform = `linux-${process.arch}-${libc}`;
const triple = `${{ x64: 'x86_64', arm64: 'aarch64' }[process.arch]}-unknown-linux-${libc}`;
const binary = `${pkg.napi.binaryName}.${platform}.node`;

let tmp;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-loader-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** node_modules/<main package> with the loader and dist/, and no .node beside them. */
function installMain(dir) {
  const main = path.join(dir, 'node_modules', pkg.name);
  fs.mkdirSync(path.join(main, 'dist'), { recursive: true });
  for (const file of ['package.json', 'index.js']) fs.copyFileSync(path.join(root, file), path.join(main, file));
  for (const file of ['native.js', 'load-native.js']) fs.copyFileSync(path.join(root, 'dist', file), path.join(main, 'dist', file));
  return main;
}

/** Runs `require(<main>/dist/native.js)` in a fresh Node; returns what it printed. */
function load(main) {
  const script = `const n = require(${JSON.stringify(path.join(main, 'dist', 'native.js'))});
    console.log(JSON.stringify({ fns: typeof n.verifyIdToken, from: Object.keys(require.cache).find(f => f.endsWith('.node')) }));`;
  return spawnSync(process.execPath, ['-e', script], { cwd: tmp, encoding: 'utf8', env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '' } });
}

test('loads the binary from its platform package, as npm installs it', { skip: process.platform !== 'linux' }, () => {
  const dir = path.join(tmp, 'with-binary');
  const main = installMain(dir);
  const platformPkg = path.join(dir, 'node_modules', `${pkg.name}-${platform}`);
  fs.mkdirSync(platformPkg, { recursive: true });
  fs.copyFileSync(path.join(root, 'npm', platform, 'package.json'), path.join(platformPkg, 'package.json'));
  // The binary `npm run build` made for this machine, where the platform package carries it.
  fs.copyFileSync(path.join(root, binary), path.join(platformPkg, binary));
  const run = load(main);
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.fns, 'function');
  assert.equal(out.from, path.join(platformPkg, binary));
});

test('without the platform package: an error naming the target, the package and what to do', { skip: process.platform !== 'linux' }, () => {
  const main = installMain(path.join(tmp, 'without-binary'));
  const run = load(main);
  assert.notEqual(run.status, 0);
  const message = run.stderr;
  assert.match(message, new RegExp(`no native binary loaded for this machine \\(${triple}, Node v`));
  assert.ok(message.includes(`npm package ${pkg.name}-${platform}, an optional dependency`), message);
  assert.ok(message.includes(`npm install ${pkg.name}-${platform}@${pkg.version}`), message);
  assert.ok(message.includes('build from source with a Rust toolchain'), message);
  assert.ok(message.includes('ERR_OIDC_PROXY_NATIVE_BINARY_MISSING'), message);
  // The loader's own attempts stay visible, for a binary that is there but cannot load.
  assert.ok(message.includes(`Cannot find module '${pkg.name}-${platform}'`), message);
});
