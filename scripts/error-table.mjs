// Writes the table of error codes in docs/troubleshooting.md from the core's one table
// (`errorCodeTable()` of the built addon), between its markers. `--check` only compares:
// __test__/core-api.test.mjs does the same, so the documented table cannot drift.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const doc = fileURLToPath(new URL('../docs/troubleshooting.md', import.meta.url));
const START = '<!-- error-codes:start (scripts/error-table.mjs writes this table) -->';
const END = '<!-- error-codes:end -->';
const NAMES = { 401: 'AuthenticationError', 403: 'NotAllowedError', 503: 'ServiceUnavailableError', 500: 'Error' };

export function errorTable() {
  const { errorCodeTable } = require('../index.js');
  const rows = errorCodeTable().map(({ code, status, remedy }) => `| \`${code}\` | ${status} | ${NAMES[status]} | ${remedy} |`);
  return ['| code | status | `error.name` | what to do |', '|---|---|---|---|', ...rows].join('\n');
}

/** The table as the document has it now. */
export function documentedTable(text = fs.readFileSync(doc, 'utf8')) {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${doc}: the error-codes markers are missing`);
  return text.slice(start + START.length, end).trim();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = fs.readFileSync(doc, 'utf8');
  if (process.argv.includes('--check')) {
    if (documentedTable(text) !== errorTable()) {
      console.error('docs/troubleshooting.md: the error table differs from the core (node scripts/error-table.mjs)');
      process.exit(1);
    }
  } else {
    const start = text.indexOf(START) + START.length;
    fs.writeFileSync(doc, `${text.slice(0, start)}\n${errorTable()}\n${text.slice(text.indexOf(END))}`);
  }
}
