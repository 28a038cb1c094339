#!/usr/bin/env bash
# The packed package carries the CLI: installs the tarballs `npm run pack:all` made
# (.artifacts/packages/: the main package and this machine's platform package) into a
# scratch project, as an operator's install would, and runs `npx backstage-oidc-proxy decode`
# there (--no-install: it must be the packed bin, never a registry package of that name).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
packages="$root/.artifacts/packages"
name=backstage-plugin-auth-backend-module-oidc-proxy-provider
platform="$(node -p 'require("./dist/load-native.js").platformName()')"
main_tgz="$(ls "$packages"/$name-[0-9]*.tgz)"
platform_tgz="$(ls "$packages"/$name-"$platform"-[0-9]*.tgz)" || {
  echo "pack-cli-check: no $platform package in $packages (npm run build:platforms, then npm run pack:all)" >&2
  exit 1
}
tar -tzf "$main_tgz" | grep -x 'package/dist/cli/main.js' >/dev/null || { echo "pack-cli-check: the tarball has no dist/cli/main.js" >&2; exit 1; }

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
npm init -y >/dev/null
# No install scripts: nothing in the package's dependencies needs one to run the CLI.
npm install --no-audit --no-fund --ignore-scripts --loglevel=error "$main_tgz" "$platform_tgz" >/dev/null

token="$(node -e '
  const b = o => Buffer.from(JSON.stringify(o)).toString("base64url");
  console.log(`${b({ alg: "RS256", kid: "k1" })}.${b({ iss: "https://login.example.com", sub: "pack-check", aud: "backstage", exp: 2000000000 })}.c2ln`);
')"
out="$(npx --no-install backstage-oidc-proxy decode "$token")"
grep -q '"sub": "pack-check"' <<<"$out" || { echo "pack-cli-check: decode printed:" >&2; echo "$out" >&2; exit 1; }
set +e
npx --no-install backstage-oidc-proxy decode garbage >/dev/null
code=$?
set -e
[ "$code" = 2 ] || { echo "pack-cli-check: decode of garbage exited $code, not 2" >&2; exit 1; }
echo "pack-cli-check: npx backstage-oidc-proxy decode works from the packed package ($(basename "$main_tgz"), $(basename "$platform_tgz"))"

# Inside a Backstage app, as the README runs it: Yarn 4.13.0 (what @backstage/create-app
# 0.9.2 ships), the package a dependency of the `packages/backend` workspace, and
# `yarn --cwd packages/backend backstage-oidc-proxy` from the app's root.
YARN_VERSION=4.13.0
mkdir -p "$scratch/yarn" "$scratch/app/packages/backend"
(cd "$scratch/yarn" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "@yarnpkg/cli-dist@$YARN_VERSION" >/dev/null)
cd "$scratch/app"
cp "$packages"/*.tgz .
# Every packed platform package from its tarball: none is published, so none is looked up.
node -e '
  const fs = require("node:fs");
  const [main, version] = process.argv.slice(1);
  const resolutions = {};
  for (const file of fs.readdirSync(".").filter(f => f.endsWith(".tgz") && f !== main)) {
    const { name } = JSON.parse(require("node:child_process").execFileSync("tar", ["-xzOf", file, "package/package.json"]));
    resolutions[name] = `file:./${file}`;
  }
  const root = { name: "app", private: true, workspaces: ["packages/*"], packageManager: `yarn@${version}`, resolutions };
  fs.writeFileSync("package.json", JSON.stringify(root, null, 2));
  const backend = { name: "backend", private: true, version: "0.0.0", dependencies: { "@backstage/plugin-auth-backend-module-oidc-proxy-provider": `file:../../${main}` } };
  fs.writeFileSync("packages/backend/package.json", JSON.stringify(backend, null, 2));
' "$(basename "$main_tgz")" "$YARN_VERSION"
printf 'nodeLinker: node-modules\nenableTelemetry: false\nnpmRegistryServer: "%s"\n' "$(npm config get registry | sed 's#/$##')" >.yarnrc.yml
touch yarn.lock
yarn=(node "$scratch/yarn/node_modules/@yarnpkg/cli-dist/bin/yarn.js")
# No automatic @types lookups (a host this machine may not reach); the lock file is new.
export YARN_TS_ENABLE_AUTO_TYPES=false YARN_ENABLE_IMMUTABLE_INSTALLS=false
"${yarn[@]}" install >yarn-install.log 2>&1 || { tail -20 yarn-install.log >&2; exit 1; }
out="$("${yarn[@]}" --cwd packages/backend backstage-oidc-proxy decode "$token")"
grep -q '"sub": "pack-check"' <<<"$out" || { echo "pack-cli-check: yarn --cwd packages/backend printed:" >&2; echo "$out" >&2; exit 1; }
echo "pack-cli-check: yarn --cwd packages/backend backstage-oidc-proxy decode works in a Yarn $YARN_VERSION workspace"
