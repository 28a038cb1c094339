// Loads the napi-generated loader (../index.js) and, when this machine has no usable binary,
// throws an error a Backstage operator can act on: the platform triple, the npm package that
// carries its binary, and the two ways out. The loader's own message ("Cannot find native
// binding ... npm bug") names none of these.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as Native from '../index.js';

/** The platform packages this release publishes (npm/<platform>/), by their Rust target. */
const TARGETS: Record<string, string> = {
  'linux-x64-gnu': 'x86_64-unknown-linux-gnu',
  'linux-arm64-gnu': 'aarch64-unknown-linux-gnu',
  'linux-x64-musl': 'x86_64-unknown-linux-musl',
  'linux-arm64-musl': 'aarch64-unknown-linux-musl',
  'darwin-x64': 'x86_64-apple-darwin',
  'darwin-arm64': 'aarch64-apple-darwin',
  'win32-x64-msvc': 'x86_64-pc-windows-msvc',
};

/** napi's name for this machine's platform, e.g. linux-arm64-musl (as the loader picks it). */
export function platformName(): string {
  let abi = '';
  if (process.platform === 'linux') {
    // Node built against glibc reports its version; musl builds (Alpine) do not. Without
    // network data: that part of a report does DNS lookups (25 s where no DNS answers).
    if (process.report) (process.report as { excludeNetwork?: boolean }).excludeNetwork = true;
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    abi = header?.glibcVersionRuntime ? '-gnu' : '-musl';
  } else if (process.platform === 'win32') {
    abi = '-msvc';
  }
  return `${process.platform}-${process.arch}${abi}`;
}

/** The loader's attempts (its error's cause chain), one line each, e.g. a GLIBC_2.xx miss. */
function describeCauses(error: unknown): string {
  type Chain = { message?: string; cause?: unknown } | undefined;
  const lines: string[] = [];
  for (let e = ((error as Chain)?.cause ?? error) as Chain; e && lines.length < 6; e = e.cause as Chain) {
    if (e.message) lines.push(`  - ${e.message.split('\n')[0]}`);
  }
  return lines.join('\n');
}

export function missingBinaryError(packageRoot: string, cause: unknown): Error {
  const { name, version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
  const platform = platformName();
  const target = TARGETS[platform];
  const binaryPackage = `${name}-${platform}`;
  const message = target
    ? `${name} has no native binary loaded for this machine (${target}, Node ${process.version}).\n` +
      `It looked for the npm package ${binaryPackage}, an optional dependency of ${name}.\n` +
      `To fix: install it (npm install ${binaryPackage}@${version}; npm or yarn skip it when optional ` +
      `dependencies are omitted or the lock file was made on another platform), ` +
      `or build from source with a Rust toolchain (npm run build:native in a checkout of this package, ` +
      `or set NAPI_RS_NATIVE_LIBRARY_PATH to the .node file you built).`
    : `${name} publishes no native binary for this machine (${platform}, Node ${process.version}); ` +
      `published: ${Object.values(TARGETS).join(', ')}.\n` +
      `To fix: build from source with a Rust toolchain (npm run build:native in a checkout of this package) ` +
      `and set NAPI_RS_NATIVE_LIBRARY_PATH to the .node file you built.`;
  const error = new Error(`${message}\nWhat the loader tried:\n${describeCauses(cause)}`, { cause });
  (error as NodeJS.ErrnoException).code = 'ERR_OIDC_PROXY_NATIVE_BINARY_MISSING';
  return error;
}

/** Loads the native addon through the package root's napi loader. */
export function loadNative(): typeof Native {
  const packageRoot = join(__dirname, '..');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(join(packageRoot, 'index.js'));
  } catch (cause) {
    throw missingBinaryError(packageRoot, cause);
  }
}
