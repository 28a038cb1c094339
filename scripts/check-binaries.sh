#!/usr/bin/env bash
# Checks the built Linux binaries (npm/linux-*/*.node) from their ELF data alone:
# - glibc targets: the highest GLIBC_x.y symbol version they need is at most GLIBC_MAX (2.28:
#   RHEL/UBI 8; Debian bullseye has 2.31), so they load on those images and everything newer;
# - musl targets: dynamically linked against musl's libc (as Alpine's Node loads addons), with
#   no glibc symbol versions;
# - each is for the CPU its package names.
# Prints one line per binary: size, machine, needed libraries, glibc floor.
set -euo pipefail
cd "$(dirname "$0")/.."
GLIBC_MAX="${GLIBC_MAX:-2.28}"
fail=0
found=0
for f in npm/linux-*/*.node; do
  [ -e "$f" ] || continue
  found=$((found + 1))
  platform="$(basename "$(dirname "$f")")"
  size="$(stat -c %s "$f")"
  machine="$(readelf -h "$f" | sed -n 's/^ *Machine: *//p')"
  needed="$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
  floor="$(readelf -W --dyn-syms "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1 || true)"
  case "$platform" in
    *-x64-*) want_machine="Advanced Micro Devices X86-64" ;;
    *-arm64-*) want_machine="AArch64" ;;
  esac
  problem=""
  [ "$machine" = "$want_machine" ] || problem="machine is $machine, want $want_machine"
  case "$platform" in
    *-gnu)
      if [ -z "$floor" ]; then problem="no GLIBC_ symbol versions (not a glibc build?)"
      elif [ "$(printf '%s\n%s\n' "$floor" "$GLIBC_MAX" | sort -V | tail -n 1)" != "$GLIBC_MAX" ]; then
        problem="needs glibc $floor, more than $GLIBC_MAX"
      fi ;;
    *-musl)
      [ -z "$floor" ] || problem="musl build needs glibc $floor"
      case " $needed" in *" libc.so"* | *" libc.musl-"*) ;; *) problem="not linked against musl libc.so ($needed)" ;; esac ;;
  esac
  printf '%-17s %9d bytes  %-30s needs: %s glibc floor: %s\n' "$platform" "$size" "$machine" "$needed" "${floor:-none}"
  if [ -n "$problem" ]; then echo "  FAIL $f: $problem"; fail=1; fi
done
[ "$found" -gt 0 ] || { echo "check-binaries: no npm/linux-*/*.node (npm run build:platforms)"; exit 1; }
exit "$fail"
