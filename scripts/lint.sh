#!/usr/bin/env bash
# Lint and format checks for every crate and the TypeScript shim; CI runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --release --workspace --all-targets --quiet -- -D warnings
(cd fuzz && cargo fmt --check && cargo clippy --release --quiet -- -D warnings)
npx eslint --max-warnings 0 backstage config.d.ts
npx prettier --check 'backstage/**/*.ts' config.d.ts 'plugins/*/src/**/*.{ts,tsx}' 'plugins/*/config.d.ts'
