// Runs the built CLI (dist/cli/main.js, what the package's `bin` points at) as a child
// process, and writes app-config files for it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(root, 'dist/cli/main.js');

/** `backstage-oidc-proxy ...args`; resolves with { code, stdout, stderr }. */
export function runCli(args, { stdin, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1', OIDC_ID_TOKEN: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('error', reject);
    child.on('close', code => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** Like runCli with --json: also parses stdout. */
export async function runCliJson(args, options) {
  const result = await runCli([...args, '--json'], options);
  try {
    return { ...result, json: JSON.parse(result.stdout) };
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
}

/** Writes `data` as an app-config file (JSON is YAML) or raw text; returns its path. */
export function writeConfig(data) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-cli-'));
  const file = path.join(dir, 'app-config.yaml');
  fs.writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data, null, 2));
  return file;
}
