#!/usr/bin/env bash
# Prepares the end-to-end tests (idempotent; run again after changing the module):
#   1. Debian packages when missing: apache2, libapache2-mod-auth-openidc, chromium;
#   2. the test tooling in e2e/node_modules (oidc-provider, playwright-core, yarn 1);
#   3. the module built and packed (`npm run build`, `npm pack`) from the repo root;
#   4. the Backstage app copied to e2e/.work/app, installed from its committed yarn.lock, and
#      the packed module added the way the docs say: `yarn --cwd packages/backend add <tarball>`;
#   5. the frontend built (Vite).
# Then: `npm run test:e2e` from the repo root.
set -euo pipefail
E2E="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$E2E")"
WORK="$E2E/.work"
start=$SECONDS
step() { echo "== e2e setup [$((SECONDS - start))s] $*"; }
# Runs a noisy install step with its output in $WORK/setup.log (an optional native dependency,
# keytar, fails to compile here and yarn reports it at length); shows the end if it fails.
logged() {
  if ! "$@" >>"$WORK/setup.log" 2>&1; then
    tail -n 60 "$WORK/setup.log"
    echo "== e2e setup: failed: $*  (full log: $WORK/setup.log)" >&2
    exit 1
  fi
}

step "Debian packages"
bash "$E2E/install-debian-packages.sh"

mkdir -p "$WORK"
: >"$WORK/setup.log"

step "test tooling (e2e/package-lock.json)"
(cd "$E2E" && npm ci --no-audit --no-fund --silent)
YARN="$E2E/node_modules/.bin/yarn"
# Yarn 1 builds native packages (better-sqlite3) with a `node-gyp` from PATH or from the npm
# installed beside `node`; a Node from the npm registry's packages (CI's Node 24) has no npm
# beside it, so use the node-gyp that the npm on PATH bundles.
command -v node-gyp >/dev/null ||
  export PATH="$PATH:$(dirname "$(readlink -f "$(command -v npm)")")/node-gyp-bin"

rm -f "$WORK"/*.tgz
if [ -n "${E2E_MODULE_TARBALL:-}" ]; then
  # Test a given pack (e.g. a release candidate) instead of the work tree.
  step "module: $E2E_MODULE_TARBALL"
  cp "$E2E_MODULE_TARBALL" "$WORK/module.tgz"
  tarball_name=module.tgz
else
  step "module: build and pack"
  [ -d "$ROOT/node_modules" ] || (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  # Incremental: quick when CI's `npm test` has just built it.
  (cd "$ROOT" && npm run build --silent)
  tarball_name="$(cd "$ROOT" && npm pack --silent --pack-destination "$WORK" | tail -n 1)"
fi
# Name the tarball after its content: yarn 1 caches file tarballs by name and version and
# would otherwise keep installing an older pack of the same version.
hash="$(sha256sum "$WORK/$tarball_name" | cut -c1-12)"
tarball="$WORK/oidc-proxy-provider-$hash.tgz"
mv "$WORK/$tarball_name" "$tarball"

# The binary ships in its platform package (npm/linux-x64-gnu, from `npm run build:platforms`),
# added beside the main package as its optional dependency would be.
step "module: platform package linux-x64-gnu"
ls "$ROOT"/npm/linux-x64-gnu/*.node >/dev/null 2>&1 ||
  (cd "$ROOT" && npm run --silent build:platforms -- x86_64-unknown-linux-gnu)
platform_name="$(cd "$ROOT" && npm pack --silent --pack-destination "$WORK" ./npm/linux-x64-gnu | tail -n 1)"
hash="$(sha256sum "$WORK/$platform_name" | cut -c1-12)"
platform_tarball="$WORK/oidc-proxy-provider-linux-x64-gnu-$hash.tgz"
mv "$WORK/$platform_name" "$platform_tarball"

step "app: copy and install (yarn.lock, frozen)"
mkdir -p "$WORK/app"
# The committed sources over the working copy; node_modules and dist stay for speed.
(cd "$E2E/app" && tar --exclude=node_modules --exclude=dist -cf - .) | (cd "$WORK/app" && tar -xf -)
cd "$WORK/app"
logged "$YARN" install --frozen-lockfile --non-interactive --network-timeout 600000

step "app: yarn --cwd packages/backend add $(basename "$tarball") $(basename "$platform_tarball")"
logged "$YARN" --cwd packages/backend add "$tarball" "$platform_tarball" --non-interactive --network-timeout 600000

step "app: build the frontend"
logged "$YARN" --cwd packages/app build

step "done in $((SECONDS - start))s"
