// Where things are. The app is installed and built by e2e/setup.sh in a working copy
// (e2e/.work/app), so that `yarn add <tarball>` never edits the committed package.json/yarn.lock.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WORK_DIR = path.join(E2E_DIR, '.work');
export const APP_DIR = process.env.E2E_APP_DIR || path.join(WORK_DIR, 'app');
export const FIXTURES_DIR = path.join(E2E_DIR, 'fixtures');
export const ARTIFACTS_DIR = path.join(E2E_DIR, 'artifacts');
