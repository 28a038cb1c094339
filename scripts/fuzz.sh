#!/usr/bin/env bash
# Runs each cargo-fuzz target for a bounded time (FUZZ_SECONDS, default 30) and prints
# the executions libFuzzer reports; exits non-zero on a crash, a hang or an OOM. `.ci/run`
# runs it (step `fuzz`) so the targets cannot rot; `npm run fuzz` runs it by hand.
#
# The targets link the core crate (crates/oidc-core) only, so they need the Rust
# toolchain and a C++ compiler (libFuzzer is built from source by libfuzzer-sys), nothing
# of Node. cargo fuzz passes nightly flags (-Zsanitizer=...); RUSTC_BOOTSTRAP=1 lets the
# installed stable toolchain accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${FUZZ_SECONDS:-30}"
TARGETS=(${FUZZ_TARGETS:-token jwks discovery inspect})
CARGO_FUZZ_VERSION=0.13.2
export RUSTC_BOOTSTRAP=1

command -v c++ >/dev/null || { echo "fuzz: a C++ compiler (c++) is needed to build libFuzzer" >&2; exit 1; }
# Pinned and locked, so a new cargo-fuzz release cannot change CI; cached in ~/.cargo/bin.
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

cargo fuzz build -O
status=0
for target in "${TARGETS[@]}"; do
  # New inputs go to the working corpus (ignored by git); the committed seeds stay small.
  mkdir -p "fuzz/corpus/$target"
  log="$(mktemp)"
  ok=1
  # -timeout: one input taking longer than 10 s is a hang; -rss_limit_mb / -malloc_limit_mb:
  # a growth past 1 GiB is unbounded allocation. Both fail the run, as a crash does.
  if ! cargo fuzz run -O "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=1024 \
      -max_len=20000 -print_final_stats=1 >"$log" 2>&1; then
    status=1
    ok=0
    tail -40 "$log"
  fi
  runs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')"
  echo "fuzz $target: $runs executions in ${SECONDS_EACH}s$( [ $ok = 1 ] && echo ', no crash, hang or OOM' || echo ': FAILED (see fuzz/artifacts)')"
  rm -f "$log"
done
exit $status
