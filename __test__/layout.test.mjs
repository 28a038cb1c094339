// The repository layout of docs/architecture.md, held: which folder may import which. A
// relative import that crosses a line it may not cross fails here, naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Folder → the top-level folders (or root files) its relative imports may reach. */
const MAY_IMPORT = {
  backstage: ['backstage', 'index.js'],
  'plugins/app-module-oidc-proxy/src': ['plugins/app-module-oidc-proxy/src'],
  'test-support': ['test-support'],
  __test__: ['__test__', 'test-support', 'scripts', 'index.js', 'dist', 'package.json'],
  e2e: ['e2e', 'test-support', 'package.json'],
  bench: ['bench', 'test-support', 'index.js', 'dist'],
  examples: ['examples', 'test-support', 'dist'],
};

const SOURCE = /\.(m?js|ts|tsx)$/;
// import ... from '…', import('…'), require('…'), export ... from '…'
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', 'dist-types', '.work', 'target'].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (SOURCE.test(entry.name)) yield full;
  }
}

/** A path relative to the repository root, with `/`. */
function relative(file) {
  return path.relative(root, file).split(path.sep).join('/');
}

test('each folder imports only what docs/architecture.md allows', () => {
  const violations = [];
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    const dir = path.join(root, folder);
    if (!fs.existsSync(dir)) continue;
    for (const file of files(dir)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(IMPORT)) {
        const target = relative(path.resolve(path.dirname(file), spec));
        if (!allowed.some(a => target === a || target.startsWith(`${a}/`))) {
          violations.push(`${relative(file)} imports ${spec} (${target}): ${folder}/ may import ${allowed.join(', ') || 'nothing relative outside itself'}`);
        }
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('the core crate has no napi: it builds without Node', () => {
  const manifest = fs.readFileSync(path.join(root, 'crates/oidc-core/Cargo.toml'), 'utf8');
  assert.doesNotMatch(manifest, /^\s*napi/m);
  for (const file of fs.readdirSync(path.join(root, 'crates/oidc-core/src'))) {
    assert.doesNotMatch(fs.readFileSync(path.join(root, 'crates/oidc-core/src', file), 'utf8'), /\bnapi\b::/, file);
  }
});

test('src/ has no unsafe but where docs/benchmarks.md shows the safe form costs more', () => {
  // napi's typed layer does the addon's work; an `unsafe` block is allowed only with a
  // comment naming its row in docs/benchmarks.md, and that row must exist there.
  const benchmarks = fs.readFileSync(path.join(root, 'docs/benchmarks.md'), 'utf8');
  const unjustified = [];
  for (const file of fs.readdirSync(path.join(root, 'src')).filter(f => f.endsWith('.rs'))) {
    const lines = fs.readFileSync(path.join(root, 'src', file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!/\bunsafe\b/.test(line.replace(/\/\/.*$/, ''))) return;
      const row = /docs\/benchmarks\.md: "([^"]+)"/.exec(lines[i - 1] ?? '')?.[1];
      if (!row || !benchmarks.includes(row)) unjustified.push(`src/${file}:${i + 1}`);
    });
  }
  assert.deepEqual(unjustified, [], 'each unsafe needs a `// docs/benchmarks.md: "<row>"` comment on the line before');
});
