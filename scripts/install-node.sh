#!/usr/bin/env bash
# Installs a Node.js release from the npm registry's Node binary packages (node-linux-<arch>)
# into a cache outside the checkout and prints its bin folder, so a script can run:
#   PATH="$(scripts/install-node.sh 24)/bin:$PATH"
# Usage: install-node.sh MAJOR|VERSION [ARCH]   (ARCH: x64 or arm64, default x64)
# The registry is the one npm uses; nodejs.org is not needed. Exact versions keep CI repeatable.
set -euo pipefail
want="${1:?usage: install-node.sh MAJOR|VERSION [x64|arm64]}"
arch="${2:-x64}"
case "$want" in
  20) version=20.20.2 ;;
  22) version=22.23.5 ;;
  24) version=24.22.3 ;;
  *.*.*) version="$want" ;;
  *) echo "install-node.sh: no pinned version for Node $want (give a full version)" >&2; exit 2 ;;
esac
[ "$arch" = arm64 ] && [ "$want" = 24 ] && version=24.22.1 # newest arm64 build in the registry
cache="${OIDC_PROXY_CACHE:-$HOME/.cache/oidc-proxy-provider}/node-$version-linux-$arch"
if [ ! -x "$cache/node_modules/node-linux-$arch/bin/node" ]; then
  mkdir -p "$cache"
  if [ "$arch" = "$(node -p process.arch)" ]; then
    npm install --prefix "$cache" --no-save --no-audit --no-fund --ignore-scripts \
      "node-linux-$arch@$version" >&2
  else
    # Another architecture's Node (arm64, run under qemu): npm install refuses it
    # (EBADPLATFORM), so fetch the same package's tarball and unpack it in the same place.
    dest="$cache/node_modules/node-linux-$arch"
    tgz="$(cd "$cache" && npm pack --silent "node-linux-$arch@$version")"
    mkdir -p "$dest"
    tar -xzf "$cache/$tgz" -C "$dest" --strip-components=1
    rm -f "$cache/$tgz"
  fi
fi
echo "$cache/node_modules/node-linux-$arch"
