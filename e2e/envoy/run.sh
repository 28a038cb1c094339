#!/usr/bin/env bash
# The Envoy ext_authz scenario (CI's `envoy` step): installs the pinned Envoy when missing
# (install.sh), then runs e2e/envoy/*.test.mjs against the default template's production build
# that e2e/create-app/setup.sh made. Prints how long each part took.
set -euo pipefail
cd "$(dirname "$0")/../.."
node e2e/check-setup.mjs create-app
t0=$SECONDS
bin="$(bash e2e/envoy/install.sh | tail -n 1)"
echo "== envoy: $("$bin" --version 2>&1 | grep -o 'version: .*'), install step $((SECONDS - t0))s"
t1=$SECONDS
rc=0
node --test --test-force-exit --test-concurrency=1 --test-timeout=600000 e2e/envoy/*.test.mjs || rc=$?
echo "== envoy: tests $((SECONDS - t1))s, install and tests $((SECONDS - t0))s"
exit "$rc"
