#!/usr/bin/env bash
# Prepares the create-app scenario (then: `npm run test:create-app`). What a user does, in order:
#   1. packs this project (`npm run pack:all`: the main package and every built platform
#      package) and publishes the tarballs to a local registry (verdaccio on 127.0.0.1, proxying
#      the machine's npm registry for everything else);
#   2. generates two apps with the pinned @backstage/create-app (its version is in
#      e2e/create-app/package.json) on Node 24: the default template and `--legacy`;
#   3. changes each one as the README says (apply-readme.mjs: `yarn --cwd packages/backend add`
#      by name from that registry, the backend.add line, the sign-in page), then `yarn tsc`;
#   4. `yarn build:backend`, and the template Dockerfile's steps without Docker in <app>-prod:
#      unpack the skeleton, `yarn workspaces focus --all --production`, unpack the bundle.
# Everything happens in e2e/.work/create-app (regenerated each run). Caches outside the checkout
# (~/.cache/oidc-proxy-provider, or $OIDC_PROXY_CACHE) keep Node 24, Yarn's global cache and the
# registry's copies of proxied packages between runs; a machine without them still passes.
# Step times go to e2e/.work/create-app/timings.txt.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
E2E="$(dirname "$HERE")"
ROOT="$(dirname "$E2E")"
WORK="$E2E/.work/create-app"
CACHE="${OIDC_PROXY_CACHE:-$HOME/.cache/oidc-proxy-provider}"
TEMPLATES=(${E2E_CREATE_APP_TEMPLATES:-default legacy})
start=$SECONDS
: "${WORK:?}"
rm -rf "$WORK"
mkdir -p "$WORK"
LOG="$WORK/setup.log"
: >"$LOG"
say() { echo "== create-app setup [$((SECONDS - start))s] $*"; }
# timed NAME CMD...: runs CMD with its output in setup.log, records its duration; shows the
# log's end if it fails.
timed() {
  local name="$1" t0=$SECONDS; shift
  say "$name"
  echo "== $name: $*" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    tail -n 80 "$LOG"
    say "failed: $name (full log: $LOG)" >&2
    exit 1
  fi
  echo "$name: $((SECONDS - t0)) s" >>"$WORK/timings.txt"
}

bash "$E2E/install-debian-packages.sh"

# Node 24 for everything below (the template declares Node 22 || 24). Native modules
# (better-sqlite3) must build against its headers, not the ones ~/.npmrc names.
NODE_DIR="$(bash "$ROOT/scripts/install-node.sh" 24)"
export PATH="$NODE_DIR/bin:$PATH"
export npm_config_nodedir="$NODE_DIR"
say "node $(node --version)"

timed "tooling: npm ci in e2e/ and e2e/create-app/" \
  bash -c "cd '$E2E' && npm ci --no-audit --no-fund && cd '$HERE' && npm ci --no-audit --no-fund"
# create-app runs `yarn install` with whatever `yarn` is on PATH; Yarn 1 (e2e/package.json) hands
# over to the Yarn release the template ships in .yarn/releases.
export PATH="$E2E/node_modules/.bin:$HERE/node_modules/.bin:$PATH"

# 1. Pack and publish.
[ -d "$ROOT/node_modules" ] || timed "root: npm ci" bash -c "cd '$ROOT' && npm ci --no-audit --no-fund"
timed "pack: npm run pack:all" bash -c "cd '$ROOT' && npm run pack:all"
# shellcheck source=registry.sh
source "$HERE/registry.sh"
trap registry_stop EXIT
timed "registry: start verdaccio on $REGISTRY_URL" registry_start "$CACHE" "$WORK/verdaccio.log"
timed "registry: publish .artifacts/packages/*.tgz" registry_publish "$ROOT/.artifacts/packages" "$WORK/publish.npmrc"
ls "$ROOT/.artifacts/packages" | sed 's/^/   published /'

# Yarn (4, the template's) for every app below. The registry URL comes from the environment, so
# the apps' files hold nothing of this harness. Automatic @types lookups reach a host this
# network does not, and Yarn's retry then crashes; plain http is allowed for the loopback
# registry only.
export YARN_NPM_REGISTRY_SERVER="$REGISTRY_URL"
export YARN_UNSAFE_HTTP_WHITELIST=127.0.0.1
export YARN_TS_ENABLE_AUTO_TYPES=false
export YARN_GLOBAL_FOLDER="$CACHE/yarn-berry"
export YARN_ENABLE_TELEMETRY=0
export YARN_ENABLE_PROGRESS_BARS=false
# A new app has no lockfile to keep: Yarn would refuse to write one when it detects CI.
export YARN_ENABLE_IMMUTABLE_INSTALLS=false
# Each run republishes the same version with new content: Yarn must not reuse a cached copy.
find "$YARN_GLOBAL_FOLDER" \( -name '*plugin-auth-backend-module-oidc-proxy-provider*' -o -name '*plugin-app-module-oidc-proxy*' \) \
  -exec rm -rf {} + 2>/dev/null || true

CREATE_APP_VERSION="$(node -p "require('$HERE/node_modules/@backstage/create-app/package.json').version")"
for template in "${TEMPLATES[@]}"; do
  app="$WORK/$template"
  flags=()
  [ "$template" = legacy ] && flags+=(--legacy)
  # 2. Generate (create-app installs the dependencies itself).
  timed "$template: create-app $CREATE_APP_VERSION ${flags[*]} + yarn install" \
    env BACKSTAGE_APP_NAME="$template-app" backstage-create-app --path "$app" "${flags[@]}"
  say "$template: Backstage $(node -p "require('$app/backstage.json').version")"
  # 3. The README's steps, then the type check a user's CI (and the Dockerfile) runs.
  timed "$template: README steps (yarn add by name, backend.add, sign-in page)" \
    node "$HERE/apply-readme.mjs" "$app" "$template"
  timed "$template: yarn tsc" bash -c "cd '$app' && yarn tsc"
  # 4. Production: the Dockerfile's host steps, then its image steps in $app-prod.
  timed "$template: yarn build:backend" bash -c "cd '$app' && yarn build:backend"
  timed "$template: production layout (skeleton, workspaces focus --production, bundle)" \
    bash "$HERE/production-layout.sh" "$app" "$app-prod"
done

registry_stop
say "done in $((SECONDS - start))s; step times in $WORK/timings.txt"
cat "$WORK/timings.txt"
