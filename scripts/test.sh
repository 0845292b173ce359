#!/usr/bin/env bash
# Builds and runs sprig's whole CMocka suite on every target, one summary line per target:
#   native x86-64 Release, native Debug + ASan/UBSan, aarch64 under qemu (cortex-a53 and max),
#   wasm under node (SIMD and scalar builds), and an install + find_package/pkg-config check
#   (static and shared: libsprig.so must export exactly sprig.h's functions) plus a parent
#   project that adds sprig with add_subdirectory().
# Exits non-zero if any target fails or runs no test. Usage: scripts/test.sh [target ...]
# Targets: native asan aarch64 wasm install (default: all). Logs: build/test-logs/.
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
  if ! (cd "$dir" && env "$@" ctest -V --timeout 1200) >"$log" 2>&1; then
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
    ldd "$root/cmake-shared/consumer" | grep -q "libsprig\.so" &&
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

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(native asan aarch64 wasm install)
for t in "${targets[@]}"; do
  case "$t" in
    native) target_native ;;
    asan) target_asan ;;
    aarch64) target_aarch64 ;;
    wasm) target_wasm ;;
    install) [ -d "$BUILD/native-release" ] || target_native; target_install ;;
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
