#!/usr/bin/env bash
# Builds the addon for every target this Linux x64 machine can build (the four Linux ones) and
# leaves each binary in its npm/<platform>/ package folder (napi build, then napi artifacts).
# Usage: build-platforms.sh [TARGET...]   (default: all four)
#
# Cross-compiling goes through the napi CLI's own zig route (`napi build -x`, cargo-zigbuild),
# with zig and cargo-zigbuild from PyPI in a venv cached outside the checkout. zig links glibc
# targets against the glibc version named after the triple, so `.2.17` sets the binaries'
# glibc floor (what CentOS 7 / RHEL 7 and everything newer have). For musl targets napi adds
# `-C target-feature=-crt-static`, so the .node is a dynamic library that Alpine's Node can load.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${OIDC_PROXY_CACHE:-$HOME/.cache/oidc-proxy-provider}"
ZIG=0.15.2
ZIGBUILD=0.24.1
GLIBC_FLOOR=2.17
OUT=.artifacts/native

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu
           x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
fi

venv="$CACHE/zigbuild-$ZIGBUILD-zig-$ZIG"
if [ ! -x "$venv/bin/cargo-zigbuild" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "ziglang==$ZIG" "cargo-zigbuild==$ZIGBUILD"
fi
# cargo-zigbuild runs zig as `python3 -m ziglang` when no `zig` is on PATH: the venv's python3.
export PATH="$venv/bin:$PATH"
# Cargo's output for these targets outlives the checkout (a fresh clone rebuilds only what
# changed); a fresh machine builds it all (about 5 minutes a target on 2 cores).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target-platforms}"

rustup target add "${targets[@]}"

mkdir -p "$OUT"
for target in "${targets[@]}"; do
  pinned="$target"
  case "$target" in *-linux-gnu) pinned="$target.$GLIBC_FLOOR" ;; esac
  echo "== napi build --target $pinned" >&2
  # The flags of `npm run build:native` (the committed index.js/index.d.ts come from it);
  # --output-dir keeps the checkout's own files and host .node untouched.
  npx napi build --platform --release --no-const-enum --cross-compile --target "$pinned" --output-dir "$OUT"
done
# The loader and typings each build generates must be the committed ones.
for f in index.js index.d.ts; do
  cmp -s "$OUT/$f" "$f" || { echo "build-platforms: $f differs from what napi build generates; run npm run build:native and commit it" >&2; exit 1; }
done
# napi artifacts copies each <binaryName>.<platform>.node into npm/<platform>/; it wants every
# configured target, so it gets a config naming the ones built here.
node -e '
  const [, out, ...targets] = process.argv; // node -e: argv[1] is the first argument
  const { napi } = require("./package.json");
  require("fs").writeFileSync(out, JSON.stringify({ ...napi, targets }, null, 2));
' "$OUT/napi-built.json" "${targets[@]}"
npx napi artifacts --config-path "$OUT/napi-built.json" --output-dir "$OUT"
ls -l npm/*/*.node
