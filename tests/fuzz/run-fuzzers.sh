#!/bin/sh
# run-fuzzers.sh — build and run the libFuzzer targets of libhap-glib
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage:
#   tests/fuzz/run-fuzzers.sh [SECONDS]
#       Configures _fuzz in the source root if it does not exist yet (clang, ASan+UBSan,
#       libFuzzer), builds it and runs every target of the 'fuzz' suite for SECONDS
#       (default 60) each, in parallel. Exits non-zero if any target crashed, leaked,
#       hit a sanitizer report or timed out, and lists the crashing inputs.
#       HAP_FUZZ_BUILDDIR overrides the build directory.
#
#   run-fuzzers.sh --target NAME EXECUTABLE SEED_DIR WORK_DIR
#       What each meson test in the 'fuzz' suite runs: copies the seed corpus into
#       WORK_DIR/corpus (the source corpus is only read), fuzzes for $HAP_FUZZ_SECONDS
#       (default 60) and prints the path of the crash input on failure.

set -eu

usage ()
{
  sed -n '4,17p' "$0" >&2
  exit 2
}

run_target ()
{
  name=$1
  exe=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
  seeds=$3
  work=$4
  seconds=${HAP_FUZZ_SECONDS:-60}
  corpus=$work/corpus
  artifacts=$work/artifacts
  log=$work/fuzz.log
  status=0

  mkdir -p "$corpus" "$artifacts"
  # The working corpus keeps what earlier runs found; the seeds are merged in again.
  if [ -d "$seeds" ]; then
    cp -R "$seeds"/. "$corpus"/
  fi

  echo "$name: fuzzing for ${seconds}s, corpus $corpus"
  "$exe" \
    -max_total_time="$seconds" \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -max_len=20000 \
    -print_final_stats=1 \
    -artifact_prefix="$artifacts/" \
    "$corpus" >"$log" 2>&1 || status=$?

  # The full log can be long (one line per new coverage feature); show its end.
  tail -n 60 "$log"
  echo "$name: full log in $log"

  if [ "$status" -ne 0 ]; then
    echo "$name: FAILED (libFuzzer exit status $status)"
    grep -o 'Test unit written to .*' "$log" | sed 's/^Test unit written to /crash input: /' || true
    grep -o 'Test unit written to .*' "$log" | sed "s|^Test unit written to |reproduce: $exe |" || true
    exit 1
  fi
}

if [ "${1:-}" = "--target" ]; then
  [ $# -eq 5 ] || usage
  run_target "$2" "$3" "$4" "$5"
  exit 0
fi

[ $# -le 1 ] || usage
seconds=${1:-60}
case $seconds in
  ''|*[!0-9]*) usage ;;
esac

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${HAP_FUZZ_BUILDDIR:-$src/_fuzz}

# Warnings are errors here too, as in every CI build (clang's differ from gcc's); a
# build directory from before gets the option as well.
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$src" \
    -Dwerror=true \
    -Dfuzzing=true \
    -Db_sanitize=address,undefined \
    -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link
elif ! grep -q 'fuzzer-no-link' "$build/meson-info/intro-buildoptions.json" 2>/dev/null; then
  echo "warning: $build lacks -Dc_args=-fsanitize=fuzzer-no-link; the library is not coverage-guided" >&2
else
  meson configure "$build" -Dwerror=true > /dev/null
fi

# The meson tests have a 180 s timeout; give long runs a minute of slack per target.
multiplier=$(( (seconds + 60 + 179) / 180 ))
stamp=$build/.fuzz-run-stamp
touch "$stamp"

status=0
HAP_FUZZ_SECONDS=$seconds meson test -C "$build" --suite fuzz --print-errorlogs \
  --timeout-multiplier "$multiplier" || status=$?

if [ "$status" -ne 0 ]; then
  echo "Fuzzing failed. Crash inputs written by this run:"
  find "$build/tests/fuzz" -path '*/artifacts/*' -type f -newer "$stamp" -print
fi
exit "$status"
