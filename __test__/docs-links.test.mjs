// The README is what npmjs.com shows, alone: it stays an operator's page (at most 15,000
// bytes), and every link in it works without the repository's files beside it, built from the
// `repository` that package.json names. Links between the pages of docs/ resolve too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = file => fs.readFileSync(path.join(root, file), 'utf8');
const repoUrl = JSON.parse(read('package.json'))
  .repository.url.replace(/^git\+/, '')
  .replace(/\.git$/, '');

/** GitHub's anchors for a Markdown file's headings (outside code blocks). */
function anchors(markdown) {
  const out = new Set();
  let code = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) code = !code;
    const heading = !code && /^#{1,6} (.*)$/.exec(line);
    if (heading)
      out.add(
        heading[1]
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      );
  }
  return out;
}

/** The link targets of a Markdown text, code blocks left out. */
const links = markdown => [...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/\]\(([^)\s]+)\)/g)].map(m => m[1]);

/** The repository file and anchor a link names, or null for a link elsewhere. */
function target(from, link) {
  if (link.startsWith('#')) return { file: from, anchor: link.slice(1) };
  let file;
  if (link.startsWith(`${repoUrl}/blob/main/`) || link.startsWith(`${repoUrl}/tree/main/`))
    file = link.slice(repoUrl.length + 11);
  else if (link === repoUrl || link.startsWith(`${repoUrl}#`)) file = `README.md${link.slice(repoUrl.length)}`;
  else if (/^[a-z]+:/.test(link)) return null;
  else file = path.posix.normalize(path.posix.join(path.posix.dirname(from), link));
  const [name, anchor] = file.split('#');
  return { file: name.replace(/\/$/, ''), anchor };
}

function assertResolves(from, link) {
  const t = target(from, link);
  if (!t) return;
  assert.ok(fs.existsSync(path.join(root, t.file)), `${from}: ${link} names a file that does not exist`);
  if (t.anchor && t.file.endsWith('.md'))
    assert.ok(anchors(read(t.file)).has(t.anchor), `${from}: ${link} names a heading that does not exist`);
}

test('package.json names the repository; the frontend package the same, with its directory', () => {
  assert.match(repoUrl, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/);
  const frontend = JSON.parse(read('plugins/app-module-oidc-proxy/package.json')).repository;
  assert.equal(frontend.url.replace(/^git\+/, '').replace(/\.git$/, ''), repoUrl);
  assert.equal(frontend.directory, 'plugins/app-module-oidc-proxy');
});

test("the README is an operator's page: at most 15,000 bytes, with its contents", () => {
  const readme = read('README.md');
  assert.ok(Buffer.byteLength(readme) <= 15_000, `README.md is ${Buffer.byteLength(readme)} bytes`);
  assert.match(readme, /^## Contents$/m);
});

test('the README links only to pages, to the repository by its URL, or to its own headings', () => {
  for (const file of ['README.md', 'plugins/app-module-oidc-proxy/README.md']) {
    for (const link of links(read(file))) {
      assert.ok(/^(https:|#)/.test(link), `${file}: ${link} is relative, and npmjs.com shows the README alone`);
      assertResolves(file, link);
    }
  }
});

test('the pages of docs/ link to files and headings that exist', () => {
  for (const name of fs.readdirSync(path.join(root, 'docs')).filter(n => n.endsWith('.md'))) {
    for (const link of links(read(`docs/${name}`))) assertResolves(`docs/${name}`, link);
  }
});
