#!/usr/bin/env bash
# Builds sprig-bench for phones and for node:
#   scripts/build-phone-bench.sh [aarch64] [bundle] [wasm]      (default: aarch64 bundle)
#
# aarch64: a fully static ELF (no shared libraries, no loader path needed) to `adb push` and run:
#   adb push bench-results/phone/sprig-bench-aarch64 /data/local/tmp/sprig-bench
#   adb shell /data/local/tmp/sprig-bench --suite mobilenet-v1 --json /data/local/tmp/results.json
#   adb pull /data/local/tmp/results.json
#   It is built WITHOUT XNNPACK (SPRIG_BENCH_WITH_XNNPACK=OFF): Debian ships XNNPACK, cpuinfo and
#   pthreadpool for arm64 as shared libraries only and their sources cannot be fetched here, so
#   the XNNPACK columns are null. cpuinfo and pthreadpool are replaced by two small stand-ins in
#   bench/phone/ (HWCAP-based ISA flags; a spin-then-sleep thread pool), compiled against
#   Debian's own arm64 headers. Checked under qemu-aarch64 -cpu max without LD_LIBRARY_PATH.
# bundle: build/phone-bundle/, sprig-bench WITH the XNNPACK columns: linked dynamically against
#   Debian's arm64 libXNNPACK, libcpuinfo and libpthreadpool (from the arm64 sysroot that
#   scripts/setup-deps.sh unpacks), shipped with glibc's loader ld-linux-aarch64.so.1 and every
#   library the program needs (NEEDED entries, recursively, from the sysroot and the cross
#   toolchain's /usr/aarch64-linux-gnu/lib), and started through that loader by run.sh, so it runs
#   from `adb shell` in /data/local/tmp without root and whatever libc the phone has:
#   adb push build/phone-bundle /data/local/tmp/sprig-bundle
#   adb shell sh /data/local/tmp/sprig-bundle/run.sh --suite mobilenet-v1 --json /data/local/tmp/results.json
#   Smoke-tested under qemu-aarch64 through run.sh (SPRIG_BUNDLE_EMULATOR) with a JSON check that
#   the XNNPACK times are numbers. Also packed as bench-results/phone/sprig-bundle-aarch64.tar.gz.
# wasm: sprig-bench.js for node (serial, no XNNPACK); --kernels times the scalar and wasmsimd
#   kernels side by side:
#   node --no-experimental-fetch --no-liftoff build/bench-wasm/bench/sprig-bench.js --kernels
#   (--no-liftoff: otherwise V8 first runs wasm through its baseline compiler, and the peak
#   probe and the first rounds are timed on that code: measured 2-2.5x slower here.)
#
# Outputs: bench-results/phone/sprig-bench-aarch64, build/phone-bundle/ (and
# bench-results/phone/sprig-bundle-aarch64.tar.gz), build/bench-wasm/bench/sprig-bench.{js,wasm}.
# Environment: SPRIG_DEPS_DIR (default .deps), SPRIG_BENCH_SKIP_SETUP=1 skips setup-deps.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="${SPRIG_DEPS_DIR:-$ROOT/.deps}"
JOBS="$(nproc)"
START=$SECONDS

log() { printf '[phone-bench %3ds] %s\n' "$((SECONDS - START))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(aarch64 bundle)

if [ "${SPRIG_BENCH_SKIP_SETUP:-0}" != 1 ]; then
  log "dependencies (scripts/setup-deps.sh)"
  bash "$ROOT/scripts/setup-deps.sh"
fi

# A sysroot holding only static stand-ins for cpuinfo and pthreadpool, and Debian's headers.
make_phone_sysroot() {
  local debian="$DEPS/sysroot-arm64" phone="$DEPS/phone-arm64"
  [ -f "$debian/usr/include/cpuinfo.h" ] || die "no arm64 sysroot in $debian (run scripts/setup-deps.sh)"
  rm -rf "$phone"
  mkdir -p "$phone/usr/include" "$phone/usr/lib/aarch64-linux-gnu" "$phone/obj"
  cp "$debian/usr/include/cpuinfo.h" "$debian/usr/include/pthreadpool.h" "$phone/usr/include/"
  local name
  for name in cpuinfo pthreadpool; do
    aarch64-linux-gnu-gcc -std=c11 -O2 -Wall -Wextra -Werror -I"$phone/usr/include" \
      -c "$ROOT/bench/phone/$name-lite.c" -o "$phone/obj/$name-lite.o"
    aarch64-linux-gnu-ar rcs "$phone/usr/lib/aarch64-linux-gnu/lib$name.a" "$phone/obj/$name-lite.o"
  done
  echo "$phone"
}

build_aarch64() {
  local build="$ROOT/build/phone-arm64" out="$ROOT/bench-results/phone"
  log "aarch64: static cpuinfo / pthreadpool stand-ins (bench/phone/)"
  local phone
  phone="$(make_phone_sysroot)"
  # SPRIG_LIBM=m: link libm by name (-lm) so that -static picks libm.a, not the libm.so path
  # find_library() would return.
  log "aarch64: configuring $build (static, no XNNPACK)"
  mkdir -p "$build"
  cmake -S "$ROOT" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/aarch64-linux-gnu.cmake" \
    -DSPRIG_ARM64_SYSROOT="$phone" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DSPRIG_BUILD_TESTS=OFF -DSPRIG_BUILD_EXAMPLES=OFF -DSPRIG_BUILD_BENCH=ON -DSPRIG_BENCH_WITH_XNNPACK=OFF \
    -DSPRIG_LIBM:STRING=m -DCMAKE_EXE_LINKER_FLAGS="-static" >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }
  log "aarch64: building sprig-bench"
  cmake --build "$build" --target sprig-bench -j "$JOBS" >&2
  local exe="$build/bench/sprig-bench"
  file "$exe" | grep -q "statically linked" || die "$exe is not statically linked: $(file "$exe")"
  if aarch64-linux-gnu-readelf -d "$exe" 2>/dev/null | grep -q NEEDED; then
    die "$exe still needs shared libraries"
  fi
  log "aarch64: smoke run under qemu-aarch64 -cpu max (no LD_LIBRARY_PATH, no -L)"
  env -u LD_LIBRARY_PATH -u QEMU_LD_PREFIX qemu-aarch64 -cpu max "$exe" --suite mobilenet-v1 \
    --layers 'mobilenet-v1/pw13*' --sparsity 0.9 --threads 1,2 --reps 3 --quiet >"$build/smoke.txt" ||
    { cat "$build/smoke.txt" >&2; die "smoke run failed"; }
  env -u LD_LIBRARY_PATH -u QEMU_LD_PREFIX qemu-aarch64 -cpu max "$exe" --kernels --kernel-shape 256x64x64 \
    --reps 3 --quiet >>"$build/smoke.txt" || { cat "$build/smoke.txt" >&2; die "kernel smoke run failed"; }
  mkdir -p "$out"
  cp "$exe" "$out/sprig-bench-aarch64"
  aarch64-linux-gnu-strip "$out/sprig-bench-aarch64"
  log "aarch64: $out/sprig-bench-aarch64 ($(du -h "$out/sprig-bench-aarch64" | cut -f1), static; smoke output in $build/smoke.txt)"
  log "  adb push $out/sprig-bench-aarch64 /data/local/tmp/sprig-bench"
  log "  adb shell /data/local/tmp/sprig-bench --suite mobilenet-v1 --json /data/local/tmp/results.json"
}

# The bundle: a dynamically linked sprig-bench with XNNPACK, its libraries and glibc's loader.
build_bundle() {
  local sysroot="$DEPS/sysroot-arm64" build="$ROOT/build/phone-arm64-xnnpack" bundle="$ROOT/build/phone-bundle"
  local cross=/usr/aarch64-linux-gnu/lib
  [ -f "$sysroot/usr/include/xnnpack.h" ] || die "no XNNPACK in $sysroot (run scripts/setup-deps.sh)"
  log "bundle: configuring $build (dynamic, with Debian's arm64 XNNPACK)"
  mkdir -p "$build"
  cmake -S "$ROOT" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/aarch64-linux-gnu.cmake" \
    -DSPRIG_ARM64_SYSROOT="$sysroot" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DSPRIG_BUILD_TESTS=OFF -DSPRIG_BUILD_EXAMPLES=OFF -DSPRIG_BUILD_BENCH=ON -DSPRIG_BENCH_WITH_XNNPACK=ON \
    >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }
  grep -q "sprig-bench: XNNPACK" "$build/configure.log" || die "XNNPACK not found in $sysroot (see $build/configure.log)"
  log "bundle: building sprig-bench"
  cmake --build "$build" --target sprig-bench -j "$JOBS" >&2
  rm -rf "$bundle"
  mkdir -p "$bundle"
  cp "$build/bench/sprig-bench" "$bundle/sprig-bench"
  aarch64-linux-gnu-strip "$bundle/sprig-bench"
  # Every NEEDED library, recursively, under its soname; then the loader the program names.
  local todo=("$bundle/sprig-bench") lib dir found
  while [ ${#todo[@]} -gt 0 ]; do
    local elf="${todo[0]}"
    todo=("${todo[@]:1}")
    for lib in $(aarch64-linux-gnu-readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      [ -e "$bundle/$lib" ] && continue
      found=""
      for dir in "$sysroot/usr/lib/aarch64-linux-gnu" "$sysroot/lib/aarch64-linux-gnu" "$cross"; do
        if [ -e "$dir/$lib" ]; then found="$dir/$lib"; break; fi
      done
      [ -n "$found" ] || die "bundle: $lib (needed by $(basename "$elf")) is in neither the sysroot nor $cross"
      cp -L "$found" "$bundle/$lib"
      todo+=("$bundle/$lib")
    done
  done
  local interp
  interp="$(aarch64-linux-gnu-readelf -l "$bundle/sprig-bench" | sed -n 's/.*interpreter: \(.*\)]/\1/p')"
  [ -e "$cross/$(basename "$interp")" ] || die "bundle: no loader $(basename "$interp") in $cross"
  cp -L "$cross/$(basename "$interp")" "$bundle/"
  chmod 755 "$bundle"/*
  cat >"$bundle/run.sh" <<'RUN'
#!/system/bin/sh
# sprig-bench with Debian's XNNPACK beside it, through the bundled glibc loader: no root, no
# system libraries (Android's bionic is never used). Run as `sh run.sh [sprig-bench options]`
# from anywhere; SPRIG_BUNDLE_EMULATOR (e.g. "qemu-aarch64 -cpu max") runs it on another machine.
dir=$(cd "$(dirname "$0")" && pwd)
exec $SPRIG_BUNDLE_EMULATOR "$dir/ld-linux-aarch64.so.1" --library-path "$dir" "$dir/sprig-bench" "$@"
RUN
  chmod 755 "$bundle/run.sh"
  log "bundle: smoke run under qemu-aarch64 -cpu cortex-a53 through run.sh (no LD_LIBRARY_PATH, no -L)"
  local json="$build/smoke.json"
  rm -f "$json"
  (cd /tmp && env -u LD_LIBRARY_PATH -u QEMU_LD_PREFIX SPRIG_BUNDLE_EMULATOR="qemu-aarch64 -cpu cortex-a53" \
    sh "$bundle/run.sh" --suite mobilenet-v1 --layers 'mobilenet-v1/pw13*' --sparsity 0.9 --threads 1,2 \
    --min-time 0.05 --quiet --json "$json") >"$build/smoke.txt" 2>&1 ||
    { cat "$build/smoke.txt" >&2; die "bundle smoke run failed"; }
  # Every result must carry XNNPACK times (numbers, not null).
  python3 - "$json" <<'PY' || { cat "$build/smoke.txt" >&2; die "bundle: XNNPACK columns missing in $json"; }
import json, sys
rows = json.load(open(sys.argv[1]))
bad = [r for r in rows if not isinstance(r.get("xnn_sparse_us"), (int, float)) or
       not isinstance(r.get("xnn_dense_us"), (int, float))]
print("%d results, XNNPACK sparse and dense times in %d" % (len(rows), len(rows) - len(bad)))
sys.exit(1 if bad or not rows else 0)
PY
  local out="$ROOT/bench-results/phone"
  mkdir -p "$out"
  tar -C "$(dirname "$bundle")" -czf "$out/sprig-bundle-aarch64.tar.gz" "$(basename "$bundle")"
  log "bundle: $bundle ($(du -sh "$bundle" | cut -f1): $(cd "$bundle" && ls | tr '\n' ' '))"
  log "  adb push $bundle /data/local/tmp/sprig-bundle"
  log "  adb shell sh /data/local/tmp/sprig-bundle/run.sh --suite mobilenet-v1 --json /data/local/tmp/results.json"
}

build_wasm() {
  local build="$ROOT/build/bench-wasm"
  export NODE_PATH=/usr/share/nodejs
  log "wasm: configuring $build (emscripten, SIMD128 + scalar kernels, no XNNPACK)"
  mkdir -p "$build"
  emcmake cmake -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSPRIG_BUILD_TESTS=OFF \
    -DSPRIG_BUILD_EXAMPLES=OFF -DSPRIG_BUILD_BENCH=ON >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 1; }
  log "wasm: building sprig-bench.js"
  cmake --build "$build" --target sprig-bench -j "$JOBS" >&2
  log "wasm: smoke run under node"
  node --no-experimental-fetch --no-liftoff "$build/bench/sprig-bench.js" --kernels --kernel-shape 256x64x64 --reps 3 --quiet \
    >"$build/smoke.txt" || { cat "$build/smoke.txt" >&2; die "wasm smoke run failed"; }
  log "wasm: node --no-experimental-fetch --no-liftoff $build/bench/sprig-bench.js --kernels (smoke output in $build/smoke.txt)"
}

for target in "${targets[@]}"; do
  case "$target" in
    aarch64) build_aarch64 ;;
    bundle) build_bundle ;;
    wasm) build_wasm ;;
    *) die "unknown target '$target' (aarch64, bundle, wasm)" ;;
  esac
done
log "done in $((SECONDS - START)) s"
