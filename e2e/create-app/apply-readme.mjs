// Changes a freshly generated create-app app the way the README's "Install and configure"
// section tells a user to, taking every command and line of code from the README itself, so the
// README cannot drift from what this scenario tests:
//   1. Backend: the `yarn --cwd packages/backend add ...` command, and the `backend.add(...)` line
//      placed after the template's auth plugin line.
//   3. Frontend: the `yarn --cwd packages/app add` of the frontend package; for the new frontend
//      system (default template) nothing else, the app discovers it; for the legacy app
//      (`--legacy`) also the `components.SignInPage` line in place of the guest sign-in page.
// The configuration (step 2) is written per run by the tests (lib/app.mjs), since the issuer's
// port is only known then. Usage: node apply-readme.mjs APP_DIR default|legacy
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const PACKAGE = '@backstage/plugin-auth-backend-module-oidc-proxy-provider';
const FRONTEND_PACKAGE = '@backstage/plugin-app-module-oidc-proxy';

/** The fenced code blocks of a Markdown text, each with the headings it sits under. */
export function codeBlocks(markdown) {
  const blocks = [];
  const headings = [];
  let open = null;
  for (const line of markdown.split('\n')) {
    if (open) {
      if (/^```\s*$/.test(line)) {
        blocks.push(open);
        open = null;
      } else open.lines.push(line);
      continue;
    }
    const heading = /^(#{1,6}) (.*)$/.exec(line);
    if (heading) {
      headings.length = heading[1].length - 1;
      headings[heading[1].length - 1] = heading[2].trim();
      continue;
    }
    const fence = /^```(\w*)(?:\s+title="([^"]*)")?/.exec(line);
    if (fence) open = { lang: fence[1], title: fence[2] ?? null, headings: headings.filter(Boolean), lines: [] };
  }
  return blocks;
}

/** The one block under a heading (matched by its start) with this title; an error otherwise. */
export function readmeBlock(blocks, heading, title) {
  const found = blocks.filter(b => b.title === title && b.headings.some(h => h.startsWith(heading)));
  if (found.length !== 1) {
    throw new Error(`README.md: expected one code block titled "${title}" under "${heading}", found ${found.length}`);
  }
  return found[0];
}

function edit(file, change) {
  const before = fs.readFileSync(file, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`${file}: the README's change did not apply (template changed?)`);
  fs.writeFileSync(file, after);
}

// Every line of a README snippet but comments (`// ..` placeholders among them) and blank lines
// is in the file.
function assertContains(file, block) {
  const text = fs.readFileSync(file, 'utf8');
  const missing = block.lines.map(l => l.trim()).filter(l => l && !l.startsWith('//') && !text.includes(l));
  if (missing.length) throw new Error(`${file} lacks the README's lines:\n${missing.join('\n')}`);
}

function insertAfter(text, anchor, line) {
  const i = text.indexOf(anchor);
  if (i < 0) throw new Error(`anchor not found: ${anchor}`);
  const end = text.indexOf('\n', i) + 1;
  return `${text.slice(0, end)}${line}\n${text.slice(end)}`;
}

function lastImportEnd(text) {
  const imports = [...text.matchAll(/^import [^;]*;\n/gm)];
  if (!imports.length) throw new Error('no import statement found');
  const last = imports.at(-1);
  return last.index + last[0].length;
}

function backend(appDir, blocks) {
  const install = readmeBlock(blocks, '1. Backend', null).lines.find(l => l.startsWith('yarn '));
  if (install !== `yarn --cwd packages/backend add ${PACKAGE}`) throw new Error(`README.md: unexpected install command: ${install}`);
  console.log(`$ ${install}`);
  const r = spawnSync(install, { cwd: appDir, shell: true, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${install}: exit ${r.status}`);

  const block = readmeBlock(blocks, '1. Backend', 'packages/backend/src/index.ts');
  const line = block.lines.find(l => l.includes(`import('${PACKAGE}')`));
  const file = path.join(appDir, 'packages/backend/src/index.ts');
  edit(file, text => insertAfter(text, "backend.add(import('@backstage/plugin-auth-backend'));", line));
  assertContains(file, block);
}

// The frontend package's install command under a heading, run in the app.
function addFrontendPackage(appDir, blocks, heading) {
  const commands = blocks.filter(b => b.lang === 'sh' && b.headings.some(h => h.startsWith(heading)));
  const install = commands.flatMap(b => b.lines).find(l => l.startsWith('yarn '));
  if (install !== `yarn --cwd packages/app add ${FRONTEND_PACKAGE}`) throw new Error(`README.md: unexpected install command under "${heading}": ${install}`);
  console.log(`$ ${install}`);
  const r = spawnSync(install, { cwd: appDir, shell: true, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${install}: exit ${r.status}`);
}

// The default template discovers features from packages (app.packages: all): the package is
// the whole change, no code.
function newFrontend(appDir, blocks) {
  addFrontendPackage(appDir, blocks, 'New frontend system');
}

function legacyFrontend(appDir, blocks) {
  addFrontendPackage(appDir, blocks, 'Legacy frontend');
  const app = readmeBlock(blocks, 'Legacy frontend', 'packages/app/src/App.tsx');
  const importLine = app.lines.find(l => l.startsWith('import ') && l.includes(FRONTEND_PACKAGE));
  const signInLine = app.lines.find(l => l.trim().startsWith('SignInPage:'));
  const file = path.join(appDir, 'packages/app/src/App.tsx');
  edit(file, text => {
    // The template signs guests in with core-components' SignInPage: that line is replaced.
    const replaced = text.replace(/^\s*SignInPage: props => <SignInPage [^\n]*\n/m, `${signInLine}\n`);
    const at = lastImportEnd(replaced);
    let out = `${replaced.slice(0, at)}${importLine}\n${replaced.slice(at)}`;
    // ...and the then unused `SignInPage` import goes, as the README says.
    out = out.replace(/^(\s*)SignInPage,\n/m, '');
    return out;
  });
  assertContains(file, app);
}

function main() {
  const [appDir, template] = process.argv.slice(2);
  if (!appDir || !['default', 'legacy'].includes(template)) {
    console.error('usage: node apply-readme.mjs APP_DIR default|legacy');
    process.exit(2);
  }
  const blocks = codeBlocks(fs.readFileSync(README, 'utf8'));
  backend(appDir, blocks);
  if (template === 'default') newFrontend(appDir, blocks);
  else legacyFrontend(appDir, blocks);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
