#!/usr/bin/env bash
# Builds the frontend package (plugins/app-module-oidc-proxy) with `backstage-cli package build`:
# its locked dependencies first when not installed (npm ci in its own folder), then tsc for the
# type declarations the CLI bundles, then the CLI. Output: plugins/app-module-oidc-proxy/dist.
set -euo pipefail
cd "$(dirname "$0")/../plugins/app-module-oidc-proxy"
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
