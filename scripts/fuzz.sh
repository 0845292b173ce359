#!/usr/bin/env bash
# Builds sprig and the libFuzzer targets of fuzz/ (one per fuzz/*.c holding
# LLVMFuzzerTestOneInput) with clang-14, -fsanitize=fuzzer,address,undefined, into build/fuzz,
# and runs each for SECONDS (default 60) from its seed corpus fuzz/corpus/<target>/ (new inputs
# go to build/fuzz/corpus/<target>/, never into the repo). Prints one line per target:
#   fuzz: <target> clean, <runs> runs, <exec/s> exec/s, cov <edges>, ft <features>
# and exits non-zero when a target does not build or finds a crash, a leak, a timeout or a wrong
# result (crash inputs: build/fuzz/crash-*; replay one with build/fuzz/<target> FILE).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET ...]
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/build/fuzz"
SECONDS_PER_TARGET="${1:-60}"
shift || true
CC_FUZZ="${SPRIG_FUZZ_CC:-clang-14}"
SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
mkdir -p "$OUT"

# The library: instrumented for coverage (fuzzer-no-link) and the sanitizers, static, no tests,
# -O1, scalar kernels only. The targets fuzz packing, validation and operator planning, not the
# SIMD microkernels (their own tests sweep them, under ASan too): clang-14 takes tens of CPU
# minutes per SIMD kernel file with ASan + UBSan + coverage, the whole scalar build about two.
if ! { CC="$CC_FUZZ" cmake -S "$ROOT" -B "$OUT/sprig" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPRIG_WERROR=ON \
         -DSPRIG_BUILD_TESTS=OFF -DSPRIG_BUILD_BENCH=OFF -DSPRIG_BUILD_EXAMPLES=OFF -DSPRIG_INSTALL=OFF \
         -DSPRIG_BUILD_SHARED=OFF -DSPRIG_ENABLE_SSE2=OFF -DSPRIG_ENABLE_AVX2=OFF -DSPRIG_ENABLE_AVX512F=OFF \
         -DSPRIG_ENABLE_AVX512VNNI=OFF -DSPRIG_ENABLE_AVXVNNI=OFF -DSPRIG_ENABLE_NEON=OFF -DSPRIG_ENABLE_WASMSIMD=OFF \
         "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g" \
         "-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link $SANITIZE -fno-omit-frame-pointer" &&
       cmake --build "$OUT/sprig" -j "$(nproc)"; } >"$OUT/build.log" 2>&1; then
  echo "fuzz: building sprig with $CC_FUZZ failed (see $OUT/build.log)"
  tail -20 "$OUT/build.log"
  exit 1
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$ROOT"/fuzz/*.c; do
    grep -q LLVMFuzzerTestOneInput "$f" && targets+=("$(basename "$f" .c)")
  done
fi

failures=0
for t in "${targets[@]}"; do
  if ! "$CC_FUZZ" -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer $SANITIZE -fno-omit-frame-pointer \
        -DSPRIG_STATIC=1 -I"$ROOT/include" -I"$ROOT/src" -I"$ROOT/kernels" -I"$ROOT/fuzz" \
        "$ROOT/fuzz/$t.c" "$ROOT/kernels/reference/dense.c" "$ROOT/kernels/reference/spmm.c" \
        "$OUT/sprig/libsprig.a" -lpthreadpool -lcpuinfo -lpthread -lm -o "$OUT/$t" >"$OUT/$t-build.log" 2>&1; then
    echo "fuzz: $t did not build (see $OUT/$t-build.log)"
    tail -20 "$OUT/$t-build.log"
    failures=$((failures + 1))
    continue
  fi
  mkdir -p "$OUT/corpus/$t" "$OUT/artifacts/$t"
  log="$OUT/$t.log"
  seeds=()
  [ -d "$ROOT/fuzz/corpus/$t" ] && seeds=("$ROOT/fuzz/corpus/$t")
  # rss_limit: the targets allocate a few MB; malloc_limit catches a size gone wild.
  ( cd "$OUT" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1 \
      "./$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=512 \
      -max_len=4096 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" \
      "$OUT/corpus/$t" "${seeds[@]}" ) >"$log" 2>&1
  rc=$?
  runs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')"
  speed="$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$')"
  cov="$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)"
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: $t FAILED (exit $rc; see $log; inputs in $OUT/artifacts/$t/)"
    grep -E 'ERROR|SUMMARY|check failed|runtime error' "$log" | head -10
    failures=$((failures + 1))
  else
    echo "fuzz: $t clean, ${runs:-?} runs, ${speed:-?} exec/s, ${cov:-cov ?}"
  fi
done
[ "$failures" -eq 0 ]
