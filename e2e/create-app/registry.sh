#!/usr/bin/env bash
# Starts verdaccio on 127.0.0.1:$E2E_REGISTRY_PORT in the background and publishes every tarball in
# .artifacts/packages to it; prints nothing but errors. Sourced by setup.sh, which calls
# `registry_start` and `registry_publish` and stops it with `registry_stop` (also on exit).
# The port is fixed: Yarn caches registry metadata by host, not port, so a registry that moved
# would leave tarball URLs to the old port in Yarn's cache.
E2E_REGISTRY_PORT="${E2E_REGISTRY_PORT:-48730}"
REGISTRY_URL="http://127.0.0.1:$E2E_REGISTRY_PORT"
OURS=('@backstage/plugin-auth-backend-module-oidc-proxy-provider' '@backstage/plugin-app-module-oidc-proxy')

registry_start() { # CACHE_DIR LOG
  local dir="$1/verdaccio" log="$2" here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  mkdir -p "$dir/storage"
  # Each run publishes ours afresh (same version, new content): drop the previous run's copies.
  local name
  for name in "${OURS[@]}"; do rm -rf "$dir/storage/$name"*; done
  sed "s#UPSTREAM_URL#$(npm config get registry)#" "$here/verdaccio.yaml" >"$dir/config.yaml"
  if curl -fsS "$REGISTRY_URL/-/ping" >/dev/null 2>&1; then
    echo "registry.sh: port $E2E_REGISTRY_PORT is taken (set E2E_REGISTRY_PORT)" >&2
    return 1
  fi
  "$here/node_modules/.bin/verdaccio" --config "$dir/config.yaml" --listen "127.0.0.1:$E2E_REGISTRY_PORT" >"$log" 2>&1 &
  REGISTRY_PID=$!
  for _ in $(seq 1 300); do
    curl -fsS "$REGISTRY_URL/-/ping" >/dev/null 2>&1 && return 0
    kill -0 "$REGISTRY_PID" 2>/dev/null || { echo "verdaccio exited:" >&2; tail -n 30 "$log" >&2; return 1; }
    sleep 0.2
  done
  echo "verdaccio did not answer on $REGISTRY_URL" >&2
  return 1
}

registry_publish() { # DIR_OF_TARBALLS NPMRC_FILE
  local npmrc="$2" tgz n=0
  # A throwaway token: npm will not publish without one; verdaccio's rules let anyone publish ours.
  echo "//127.0.0.1:$E2E_REGISTRY_PORT/:_authToken=e2e-throwaway" >"$npmrc"
  for tgz in "$1"/*.tgz; do
    [ -e "$tgz" ] || break
    npm publish "$tgz" --registry "$REGISTRY_URL" --userconfig "$npmrc" --access public \
      --provenance=false --tag latest --loglevel=warn >/dev/null
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] || { echo "registry.sh: no tarballs in $1 (npm run pack:all writes them)" >&2; return 1; }
}

registry_stop() {
  if [ -n "${REGISTRY_PID:-}" ]; then
    kill "$REGISTRY_PID" 2>/dev/null || true
    # Its exit status is the signal's (143): not a failure of ours.
    wait "$REGISTRY_PID" 2>/dev/null || true
  fi
  REGISTRY_PID=""
}
