#!/usr/bin/env bash
# Builds and runs sprig's whole CMocka suite on every target, one summary line per target:
#   native x86-64 Release, native Debug + ASan/UBSan, aarch64 under qemu (cortex-a53 and max),
#   armv7 under qemu-arm (cortex-a7 and cortex-a15; SPRIG_FORCE_ISA=neon runs the no-FMA kernels),
#   wasm under node (SIMD and scalar builds; wasm-threads: SIMD + emscripten pthreads, real
#   pools of 2 and 4), and an install + find_package/pkg-config check
#   (static and shared: libsprig.so must export exactly sprig.h's functions) plus a parent
#   project that adds sprig with add_subdirectory(); ThreadSanitizer (Debug, -fsanitize=thread)
#   on the tests that run threads; valgrind memcheck (0 errors, 0 leaks) on the native operator
#   tests; each libFuzzer target of fuzz/ for a short time (scripts/fuzz.sh).
# Exits non-zero if any target fails or runs no test. Usage: scripts/test.sh [target ...]
# Targets: native asan aarch64 armv7 wasm wasm-threads wasm-relaxed install tsan valgrind fuzz
# (default: all).
# Logs: build/test-logs/. SPRIG_FUZZ_SECONDS: seconds per fuzz target (default 20).
# SPRIG_TEST_CMAKE_ARGS adds CMake arguments to every build.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="${SPRIG_DEPS_DIR:-$ROOT/.deps}"
BUILD="$ROOT/build"
LOGS="$BUILD/test-logs"
JOBS="$(nproc)"
mkdir -p "$LOGS"

bash "$ROOT/scripts/setup-deps.sh" || { echo "setup-deps failed" >&2; exit 1; }

failures=0
summary=()
# Command words run_ctest puts before ctest (tsan: setarch -R where the kernel needs it), and
# arguments it adds after (a test selection).
ctest_prefix=()
ctest_args=()

# Sums CMocka's per-binary summaries in a ctest -V log: prints "passed skipped failed".
count_tests() {
  local log="$1"
  local passed skipped failed
  passed=$(grep -oE '\[  PASSED  \] [0-9]+ test' "$log" | awk '{s += $4} END {print s + 0}')
  skipped=$(grep -oE '\[  SKIPPED \] [0-9]+ test' "$log" | awk '{s += $4} END {print s + 0}')
  failed=$(grep -oE '\[  FAILED  \] [0-9]+ test' "$log" | awk '{s += $4} END {print s + 0}')
  echo "$passed $skipped $failed"
}

# record NAME STATUS DETAIL
record() {
  summary+=("$(printf '%-22s %-5s %s' "$1" "$2" "$3")")
  [ "$2" = PASS ] || failures=$((failures + 1))
  printf '%-22s %-5s %s\n' "$1" "$2" "$3" >&2
}

# run_ctest NAME BUILD_DIR [ENV=VALUE ...]
run_ctest() {
  local name="$1" dir="$2"
  shift 2
  local log="$LOGS/$name.log"
  if ! (cd "$dir" && env "$@" "${ctest_prefix[@]}" ctest -V --timeout 1200 "${ctest_args[@]}") >"$log" 2>&1; then
    read -r passed skipped failed < <(count_tests "$log")
    record "$name" FAIL "tests: $passed passed, $skipped skipped, $failed failed (see $log)"
    return
  fi
  read -r passed skipped failed < <(count_tests "$log")
  if [ "$passed" -eq 0 ] || [ "$failed" -ne 0 ]; then
    record "$name" FAIL "tests: $passed passed, $skipped skipped, $failed failed (see $log)"
  else
    record "$name" PASS "tests: $passed passed, $skipped skipped"
  fi
}

# configure_build NAME DIR cmake-args...
configure_build() {
  local name="$1" dir="$2"
  shift 2
  local log="$LOGS/$name-build.log"
  # shellcheck disable=SC2086
  # Every kernel family on (a reused build directory may have cached something else).
  if ! { cmake -S "$ROOT" -B "$dir" -DSPRIG_WERROR=ON -DSPRIG_BUILD_BENCH=OFF -DSPRIG_BUILD_TESTS=ON \
           -DSPRIG_ENABLE_SSE2=ON -DSPRIG_ENABLE_AVX2=ON -DSPRIG_ENABLE_AVX512F=ON -DSPRIG_ENABLE_NEON=ON \
           "$@" ${SPRIG_TEST_CMAKE_ARGS:-} &&
         cmake --build "$dir" -j "$JOBS"; } >"$log" 2>&1; then
    record "$name" FAIL "build failed (see $log)"
    return 1
  fi
}

target_native() {
  configure_build native-release "$BUILD/native-release" -DCMAKE_BUILD_TYPE=Release &&
    run_ctest native-release "$BUILD/native-release"
}

target_asan() {
  local flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
  configure_build native-asan-ubsan "$BUILD/native-asan" -DCMAKE_BUILD_TYPE=Debug \
      "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" &&
    run_ctest native-asan-ubsan "$BUILD/native-asan" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      UBSAN_OPTIONS=print_stacktrace=1
}

target_aarch64() {
  local sysroot="$DEPS/sysroot-arm64"
  configure_build aarch64 "$BUILD/aarch64" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/aarch64-linux-gnu.cmake" -DSPRIG_ARM64_SYSROOT="$sysroot" || return
  local cpu
  for cpu in cortex-a53 max; do
    run_ctest "aarch64-qemu-$cpu" "$BUILD/aarch64" QEMU_CPU="$cpu" \
      LD_LIBRARY_PATH="$sysroot/usr/lib/aarch64-linux-gnu"
  done
}

# cortex-a7 and cortex-a15 both have NEON and VFPv4, so the default choice is neonvfpv4 on both;
# the no-FMA neon kernels run in f32-spmm / f32-nmspmm / bspmv / f32-sellmv (every listed kernel), in
# the SPRIG_FORCE_ISA=neon operator tests and, as the int8 defaults (the int8 families have neon
# kernels only), in the int8 tests. Then cortex-a9 (NEON, VFPv3: no FMA), where neon is the
# default choice: the example must say so, and the kernel, API, operator (batch 1: neon sellmv),
# int8, depthwise, sparse convolution and ONNX tests run there (the neonvfpv4 kernel tests skip).
target_armv7() {
  local sysroot="$DEPS/sysroot-armhf"
  local libs="$sysroot/usr/lib/arm-linux-gnueabihf"
  configure_build armv7 "$BUILD/armv7" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/armv7-linux-gnueabihf.cmake" -DSPRIG_ARMHF_SYSROOT="$sysroot" || return
  local cpu
  for cpu in cortex-a7 cortex-a15; do
    run_ctest "armv7-qemu-$cpu" "$BUILD/armv7" QEMU_CPU="$cpu" LD_LIBRARY_PATH="$libs"
  done
  local log="$LOGS/armv7-qemu-cortex-a9-example.log"
  if QEMU_CPU=cortex-a9 LD_LIBRARY_PATH="$libs" qemu-arm -L /usr/arm-linux-gnueabihf \
       "$BUILD/armv7/examples/sparse-linear" >"$log" 2>&1 && grep -qx "isa: neon" "$log"; then
    ctest_args=(-R '^(api|f32-spmm|f32-nmspmm|bspmv|f32-sellmv|operators|onnx-conformance|'\
'qs8-spmm|qs8-requant|qs8-vadd|q8-companions|q8-operators|onnx-int-conformance|'\
'f32-dwconv|f32-dwconv2d-chw|qs8-dwconv2d-chw|f32-spconv|conv)$')
    run_ctest armv7-qemu-cortex-a9 "$BUILD/armv7" QEMU_CPU=cortex-a9 LD_LIBRARY_PATH="$libs"
    ctest_args=()
  else
    record armv7-qemu-cortex-a9 FAIL "examples/sparse-linear did not choose isa neon (see $log)"
  fi
}

target_wasm() {
  export NODE_PATH=/usr/share/nodejs
  local variant simd
  for variant in simd scalar; do
    simd=ON
    [ "$variant" = scalar ] && simd=OFF
    configure_build "wasm-$variant" "$BUILD/wasm-$variant" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_TOOLCHAIN_FILE="$(dirname "$(readlink -f "$(command -v emcc)")")/cmake/Modules/Platform/Emscripten.cmake" \
        -DSPRIG_ENABLE_WASMSIMD=$simd -DSPRIG_BUILD_EXAMPLES=OFF \
        -DCMOCKA_INCLUDE_DIR="$DEPS/cmocka-wasm/include" -DCMOCKA_LIBRARY="$DEPS/cmocka-wasm/lib/libcmocka.a" \
        "-DCMAKE_CROSSCOMPILING_EMULATOR=$(command -v node);--no-experimental-fetch" || continue
    run_ctest "wasm-$variant-node" "$BUILD/wasm-$variant"
  done
}

# The threaded wasm build (SPRIG_WASM_THREADS: -pthread, shared memory, src/threadpool-wasm.c)
# with SIMD, against a CMocka built with -pthread. The tests run main() in a pthread
# (-sPROXY_TO_PTHREAD), so make_pool(2) / make_pool(4) get real Workers and the operator tests
# compare their outputs bit for bit with the serial run; sharing and threads run on pthreads.
target_wasm_threads() {
  export NODE_PATH=/usr/share/nodejs
  configure_build wasm-threads "$BUILD/wasm-threads" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_TOOLCHAIN_FILE="$(dirname "$(readlink -f "$(command -v emcc)")")/cmake/Modules/Platform/Emscripten.cmake" \
      -DSPRIG_ENABLE_WASMSIMD=ON -DSPRIG_WASM_THREADS=ON -DSPRIG_BUILD_EXAMPLES=OFF \
      -DCMOCKA_INCLUDE_DIR="$DEPS/cmocka-wasm-threads/include" \
      -DCMOCKA_LIBRARY="$DEPS/cmocka-wasm-threads/lib/libcmocka.a" \
      "-DCMAKE_CROSSCOMPILING_EMULATOR=$(command -v node);--no-experimental-fetch" &&
    run_ctest wasm-threads-node "$BUILD/wasm-threads"
}

# The relaxed-SIMD build (SPRIG_WASM_RELAXED: kernels/*/wasmrelaxedsimd.c compiled by clang-19,
# linked without binaryen; cmake/sprigWasmRelaxed.cmake) under node --experimental-wasm-relaxed-simd:
# the whole suite, the relaxed kernels in their families' tests, and the operator tests forced to
# wasmrelaxedsimd, wasmsimd and scalar (tests/CMakeLists.txt) in one module.
target_wasm_relaxed() {
  export NODE_PATH=/usr/share/nodejs
  configure_build wasm-relaxed "$BUILD/wasm-relaxed" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_TOOLCHAIN_FILE="$(dirname "$(readlink -f "$(command -v emcc)")")/cmake/Modules/Platform/Emscripten.cmake" \
      -DSPRIG_ENABLE_WASMSIMD=ON -DSPRIG_WASM_RELAXED=ON -DSPRIG_BUILD_EXAMPLES=OFF \
      -DCMOCKA_INCLUDE_DIR="$DEPS/cmocka-wasm/include" -DCMOCKA_LIBRARY="$DEPS/cmocka-wasm/lib/libcmocka.a" \
      "-DCMAKE_CROSSCOMPILING_EMULATOR=$(command -v node);--no-experimental-fetch;--experimental-wasm-relaxed-simd" &&
    run_ctest wasm-relaxed-node "$BUILD/wasm-relaxed"
}

# The functions include/sprig.h declares, one per line, sorted. Each declaration must start with
# SPRIG_API (a declaration without it would be hidden); a missing one is printed as MISSING-SPRIG_API.
header_functions() {
  local header="$ROOT/include/sprig.h"
  grep -E '^[A-Za-z_].*\bsprig_[a-z0-9_]+\(' "$header" | grep -vE '^(typedef|#)' |
    sed -E 's/^(SPRIG_API )?.*\b(sprig_[a-z0-9_]+)\(.*$/\1\2/; s/^(sprig_)/MISSING-SPRIG_API:\1/; s/^SPRIG_API //' |
    sort -u
}

# check_exports LIBSPRIG_SO: the library's dynamic symbols are exactly sprig.h's functions.
check_exports() {
  local lib="$1" expected exported
  expected="$(header_functions)"
  exported="$(nm -D --defined-only "$lib" | awk 'NF >= 3 {print $3}' | sort -u)"
  if [ "$expected" != "$exported" ]; then
    echo "exports of $lib differ from include/sprig.h (< header, > library):"
    diff <(echo "$expected") <(echo "$exported")
    return 1
  fi
  echo "exports of $lib: the $(echo "$exported" | wc -l) functions of include/sprig.h"
}

# Installs the Release build and builds examples/consumer against it twice: with
# find_package(sprig CONFIG) and with pkg-config; both programs must run. Then builds sprig
# shared, installs it, checks that libsprig.so exports exactly sprig.h's functions and runs the
# find_package consumer against it; and builds examples/subproject, which adds sprig with
# add_subdirectory() and hands it its own pthreadpool / cpuinfo targets.
target_install() {
  local root="$BUILD/install-test" log="$LOGS/install.log"
  local prefix="$root/prefix" shared_prefix="$root/prefix-shared"
  rm -rf "$root"
  if ! {
    cmake --install "$BUILD/native-release" --prefix "$prefix" &&
    cmake -S "$ROOT/examples/consumer" -B "$root/cmake" -DCMAKE_PREFIX_PATH="$prefix" &&
    cmake --build "$root/cmake" &&
    "$root/cmake/consumer" &&
    PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cc -std=c11 -Wall -Werror -o "$root/consumer-pc" \
      "$ROOT/examples/sparse-linear.c" $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs --static sprig) &&
    "$root/consumer-pc"
  } >"$log" 2>&1; then
    record install-find-package FAIL "see $log"
    return
  fi
  record install-find-package PASS "find_package(sprig) and pkg-config consumers built and ran"

  log="$LOGS/install-shared.log"
  if ! {
    cmake -S "$ROOT" -B "$root/shared" -DCMAKE_BUILD_TYPE=Release -DSPRIG_WERROR=ON -DSPRIG_BUILD_SHARED=ON \
      -DSPRIG_BUILD_TESTS=OFF -DSPRIG_BUILD_BENCH=OFF -DSPRIG_BUILD_EXAMPLES=OFF ${SPRIG_TEST_CMAKE_ARGS:-} &&
    cmake --build "$root/shared" -j "$JOBS" &&
    cmake --install "$root/shared" --prefix "$shared_prefix" &&
    check_exports "$shared_prefix/lib/libsprig.so" &&
    cmake -S "$ROOT/examples/consumer" -B "$root/cmake-shared" -DCMAKE_PREFIX_PATH="$shared_prefix" &&
    cmake --build "$root/cmake-shared" &&
    # grep reads all of ldd's output (with -q it could exit first, and under pipefail ldd's
    # SIGPIPE would fail the check).
    ldd "$root/cmake-shared/consumer" | grep "libsprig\.so" >/dev/null &&
    "$root/cmake-shared/consumer"
  } >"$log" 2>&1; then
    record install-shared-exports FAIL "see $log"
  else
    record install-shared-exports PASS "libsprig.so exports exactly sprig.h's functions; consumer ran"
  fi

  log="$LOGS/subproject.log"
  if ! {
    cmake -S "$ROOT/examples/subproject" -B "$root/subproject" -DSPRIG_WERROR=ON &&
    cmake --build "$root/subproject" -j "$JOBS" &&
    "$root/subproject/subproject" &&
    ! grep -q '^BUILD_SHARED_LIBS:' "$root/subproject/CMakeCache.txt" &&
    [ -z "$(find "$root/subproject" -name 'libsprig_reference*')" ]
  } >"$log" 2>&1; then
    record subproject FAIL "see $log"
  else
    record subproject PASS "add_subdirectory(sprig) with the parent's pthreadpool/cpuinfo built and ran"
  fi
}

# ThreadSanitizer. The whole library and the tests are built with -fsanitize=thread (Debug), and
# ctest runs the tests that run threads or share weights: threads (4 threads creating operators
# from one weights object, each on its own pool of 1-4 threads), sharing, operators, conv,
# companions, q8-companions, onnx-conformance, plus api / pack / hostile-weights. The kernel-family tests
# (f32-*, qs8-*) and the SPRIG_FORCE_ISA repetitions run the same single-threaded code paths
# again: under TSan they would only add time.
# Debian's libpthreadpool is not instrumented (and its source is not fetchable here), so TSan
# cannot see its synchronization and reports every hand-off between the pool's workers and the
# caller as a race; this build links bench/phone/pthreadpool-lite.c instead (sprig's own pool
# with the same API, mutexes and C11 atomics) compiled with TSan.
# TSan's runtime (gcc 12 / clang 14) needs the address layout it knows: on kernels whose ASLR
# randomizes more address bits (vm.mmap_rnd_bits > 28) a TSan program dies at start with
# "unexpected memory mapping". A probe program tells; if it fails, the tests run under
# `setarch -R` (no ASLR for that process tree only; nothing on the machine is changed).
target_tsan() {
  local dir="$BUILD/native-tsan" flags="-fsanitize=thread -fno-omit-frame-pointer"
  local log="$LOGS/native-tsan-pool.log"
  mkdir -p "$dir/pool"
  if ! { cc -std=c11 -O1 -g $flags -c "$ROOT/bench/phone/pthreadpool-lite.c" -o "$dir/pool/pthreadpool-lite.o" &&
         ar rcs "$dir/pool/libpthreadpool.a" "$dir/pool/pthreadpool-lite.o" &&
         printf '%s\n' '#include <pthread.h>' 'static int x;' 'static void* f(void* a) { x++; return a; }' \
           'int main(void) { pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0); return x - 1; }' |
           cc -fsanitize=thread -x c - -o "$dir/pool/probe" -pthread; } >"$log" 2>&1; then
    record native-tsan FAIL "TSan pool or probe did not build (see $log)"
    return
  fi
  if "$dir/pool/probe" >>"$log" 2>&1; then
    ctest_prefix=()
  elif setarch "$(uname -m)" -R "$dir/pool/probe" >>"$log" 2>&1; then
    echo "TSan needs ASLR off on this kernel: running under setarch -R" >>"$log"
    ctest_prefix=(setarch "$(uname -m)" -R)
  else
    record native-tsan FAIL "a TSan probe program does not run, even under setarch -R (see $log)"
    return
  fi
  ctest_args=(-R '^(threads|sharing|operators|conv|companions|q8-companions|q8-operators|onnx-conformance|api|pack|hostile-weights)$')
  configure_build native-tsan "$dir" -DCMAKE_BUILD_TYPE=Debug -DSPRIG_BUILD_EXAMPLES=OFF \
      "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread" \
      -DSPRIG_PTHREADPOOL_LIBRARY="$dir/pool/libpthreadpool.a" -DSPRIG_PTHREADPOOL_INCLUDE_DIR=/usr/include &&
    run_ctest native-tsan "$dir" TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
  ctest_prefix=()
  ctest_args=()
}

# valgrind memcheck on the native operator tests of the Release build (the native target's):
# any error and any definitely or indirectly lost block fails. On x86 they run the AVX2 kernels
# (valgrind's CPU has no AVX-512, so sprig does not choose it). Not run here: the kernel-family
# tests (f32-*, qs8-*: microkernels allocate nothing and the asan target
# checks their bounds), onnx-conformance (the same operators on files) and the SPRIG_FORCE_ISA
# repetitions (the same allocations again).
VALGRIND_TESTS=(api pack serialize sharing hostile-weights threads companions q8-companions q8-operators conv operators)
target_valgrind() {
  local dir="$BUILD/native-release"
  # Up to date after the native target (a no-op then); built here when valgrind runs alone.
  configure_build native-release "$dir" -DCMAKE_BUILD_TYPE=Release || return
  local t i passed=0 failed=() pids=() names=()
  mkdir -p "$LOGS/valgrind"
  # Two at a time: a program under valgrind uses one core.
  for t in "${VALGRIND_TESTS[@]}"; do
    ( cd "$dir/tests" && valgrind -q --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect "./$t-test" ) >"$LOGS/valgrind/$t.log" 2>&1 &
    pids+=($!)
    names+=("$t")
    if [ ${#pids[@]} -ge 2 ]; then
      if wait "${pids[0]}"; then passed=$((passed + 1)); else failed+=("${names[0]}"); fi
      pids=("${pids[@]:1}")
      names=("${names[@]:1}")
    fi
  done
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then passed=$((passed + 1)); else failed+=("${names[$i]}"); fi
  done
  if [ ${#failed[@]} -ne 0 ]; then
    record valgrind-memcheck FAIL "errors, leaks or failed tests in: ${failed[*]} (see $LOGS/valgrind/)"
  else
    record valgrind-memcheck PASS "$passed test programs: 0 errors, 0 leaks"
  fi
}

# libFuzzer: scripts/fuzz.sh builds fuzz/ with clang-14 (-fsanitize=fuzzer,address,undefined)
# into build/fuzz and runs each target for SPRIG_FUZZ_SECONDS (default 20) from its seed corpus.
target_fuzz() {
  local log="$LOGS/fuzz.log"
  if bash "$ROOT/scripts/fuzz.sh" "${SPRIG_FUZZ_SECONDS:-20}" >"$log" 2>&1; then
    record fuzz PASS "$(grep -c '^fuzz: .* clean' "$log") targets clean ($(grep '^fuzz: .* clean' "$log" |
      sed -E 's/^fuzz: ([^ ]+) clean, ([0-9]+) runs.*/\1 \2/' | paste -sd, - | sed 's/,/, /g') runs)"
  else
    record fuzz FAIL "a target crashed or did not build (see $log)"
  fi
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(native asan aarch64 armv7 wasm wasm-threads wasm-relaxed install tsan valgrind fuzz)
for t in "${targets[@]}"; do
  case "$t" in
    native) target_native ;;
    asan) target_asan ;;
    aarch64) target_aarch64 ;;
    armv7) target_armv7 ;;
    wasm) target_wasm ;;
    wasm-threads) target_wasm_threads ;;
    wasm-relaxed) target_wasm_relaxed ;;
    install) [ -d "$BUILD/native-release" ] || target_native; target_install ;;
    tsan) target_tsan ;;
    valgrind) target_valgrind ;;
    fuzz) target_fuzz ;;
    *) echo "unknown target: $t" >&2; exit 2 ;;
  esac
done

echo
echo "sprig test summary"
printf '%s\n' "${summary[@]}"
if [ "$failures" -ne 0 ]; then
  echo "FAILED: $failures target(s)"
  exit 1
fi
echo "all targets passed"
