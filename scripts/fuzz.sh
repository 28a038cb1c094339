#!/usr/bin/env bash
# Runs each cargo-fuzz target for a bounded time (FUZZ_SECONDS, default 60) and prints
# the executions libFuzzer reports. Not part of CI. cargo fuzz needs nightly features;
# RUSTC_BOOTSTRAP=1 lets the installed stable toolchain provide them.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${FUZZ_SECONDS:-60}"
TARGETS=(${FUZZ_TARGETS:-token jwks discovery})
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

cargo fuzz build -O
status=0
for target in "${TARGETS[@]}"; do
  # New inputs go to the working corpus (ignored by git); the committed seeds stay small.
  mkdir -p "fuzz/corpus/$target"
  log="$(mktemp)"
  ok=1
  # -timeout: one input taking longer than 10 s is a hang; -rss_limit_mb / -malloc_limit_mb:
  # a growth past 1 GiB is unbounded allocation. Both fail the run.
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
