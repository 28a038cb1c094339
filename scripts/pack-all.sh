#!/usr/bin/env bash
# Packs the main package, every built platform package (npm/<platform>/ holding its .node) and
# the frontend package (plugins/app-module-oidc-proxy) into .artifacts/packages/, ready to
# publish together (the e2e scenario publishes exactly these tarballs to a local registry).
#
# The main package's optionalDependencies are written the napi way, by `napi pre-publish`
# (what `prepublishOnly` runs at a real release) with `--skip-optional-publish`, in a staged
# copy: the checkout's package.json stays without them, and they name only the platform
# packages packed here (a registry without the others would fail installs that resolve them).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.artifacts/packages
STAGE=.artifacts/stage

built=()
for dir in npm/*/; do
  platform="$(basename "$dir")"
  ls "$dir"*.node >/dev/null 2>&1 && built+=("$platform")
done
[ ${#built[@]} -gt 0 ] || { echo "pack-all: no built platform package in npm/ (npm run build:platforms)" >&2; exit 1; }

npm run --silent build:ts
rm -rf "$OUT" "$STAGE"
mkdir -p "$OUT" "$STAGE"
# The main package as npm packs it, unpacked, with the built platform packages beside it.
tarball="$(npm pack --silent --pack-destination "$STAGE" | tail -n 1)"
tar -xzf "$STAGE/$tarball" -C "$STAGE" && rm "$STAGE/$tarball"
main="$STAGE/package"
mkdir -p "$main/npm"
for platform in "${built[@]}"; do cp -r "npm/$platform" "$main/npm/"; done
# Only the built targets: napi pre-publish checks every configured target's package.
node --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  import { parseTriple } from "@napi-rs/cli";
  const [, file, ...platforms] = process.argv; // node -e: argv[1] is the first argument
  const pkg = JSON.parse(readFileSync(file, "utf8"));
  pkg.napi.targets = pkg.napi.targets.filter(t => platforms.includes(parseTriple(t).platformArchABI));
  writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$main/package.json" "${built[@]}"
npx napi pre-publish --cwd "$main" --skip-optional-publish
for platform in "${built[@]}"; do
  npm pack --silent --pack-destination "$OUT" "./$main/npm/$platform" >/dev/null
done
main_tgz="$(npm pack --silent --pack-destination "$OUT" "./$main" | tail -n 1)"
rm -rf "$STAGE"
# The frontend package, built by backstage-cli in its own npm project: @backstage/cli is large,
# so only this step installs it, not the root's `npm ci`.
bash scripts/build-frontend.sh
npm pack --silent --pack-destination "$OUT" ./plugins/app-module-oidc-proxy >/dev/null
# The main package carries no binary: each platform's comes from its own package.
if tar -tzf "$OUT/$main_tgz" | grep -q '\.node$'; then
  echo "pack-all: $main_tgz contains a .node file" >&2
  exit 1
fi
ls -l "$OUT"
