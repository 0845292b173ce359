#!/usr/bin/env bash
# Installs everything sprig's tests and benchmarks need on a Debian 12 machine:
#   native -dev packages, aarch64 and armv7 (armhf) cross compilers + qemu-user, private arm64
#   and armhf sysroots, emscripten + node-acorn, CMocka built for wasm (plain and -pthread), gnuplot,
#   valgrind, clang-14 with libFuzzer (fuzz/).
# Idempotent: a second run only checks and returns.
# Where things go: SPRIG_DEPS_DIR (default: <repo>/.deps).
# SPRIG_SETUP_LLVM_MCA=1 also installs llvm-19 (llvm-mca-19) for scripts/neon-mca.sh, which sets it
# when llvm-mca-19 is missing; the tests and benchmarks do not need it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="${SPRIG_DEPS_DIR:-$ROOT/.deps}"
SYSROOT_ARM64="$DEPS/sysroot-arm64"
SYSROOT_ARMHF="$DEPS/sysroot-armhf"
CMOCKA_WASM="$DEPS/cmocka-wasm"
CMOCKA_WASM_THREADS="$DEPS/cmocka-wasm-threads"  # built with -pthread (shared-memory modules)
mkdir -p "$DEPS"

log() { printf '[setup-deps] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

NATIVE_PKGS=(cmake make gcc g++ pkg-config
  libcpuinfo-dev libpthreadpool-dev libxnnpack-dev libcmocka-dev
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user
  emscripten node-acorn gnuplot-nox dpkg-dev xz-utils
  valgrind libtsan2 clang-14 libclang-rt-14-dev llvm-14 clang-19)
# valgrind: the valgrind target; libtsan2: gcc's -fsanitize=thread (tsan target); clang-14 with
# libclang-rt-14-dev (libclang_rt.fuzzer, asan, ubsan) and llvm-14 (llvm-symbolizer): fuzz/.
# clang-19: the relaxed-SIMD wasm kernels (wasm-relaxed target; standard relaxed opcodes).
ARM64_DEBS=(libcmocka-dev libcmocka0 libcpuinfo-dev libcpuinfo0
  libpthreadpool-dev libpthreadpool0 libxnnpack-dev libxnnpack0)
# armhf: what the tests link (the bench builds without XNNPACK there).
ARMHF_DEBS=(libcmocka-dev libcmocka0 libcpuinfo-dev libcpuinfo0 libpthreadpool-dev libpthreadpool0)

# retry CMD...: runs CMD up to 3 times, 15 s apart (Debian mirrors answer with size or hash
# mismatches while they sync).
retry() {
  local attempt=1
  until "$@"; do
    if [ "$attempt" -ge 3 ]; then return 1; fi
    log "failed (attempt $attempt of 3), retrying in 15 s: $*"
    sleep 15
    attempt=$((attempt + 1))
  done
}

APT_OPTS=(-o Acquire::Retries=3)
apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    if ! retry $SUDO apt-get "${APT_OPTS[@]}" update -qq; then
      # An index that stays broken (a mirror mid-sync) leaves the previous one in use; a package
      # that really cannot be found makes the install or download below fail with its name.
      log "apt-get update kept reporting errors; going on with the package indexes apt has"
    fi
    apt_updated=1
  fi
}

missing_pkgs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

install_native() {
  local missing
  missing="$(missing_pkgs "${NATIVE_PKGS[@]}")"
  # node is often installed from another source; emscripten only needs some nodejs.
  if [ -n "$missing" ]; then
    apt_update
    log "apt-get install: $(echo $missing | tr '\n' ' ')"
    # shellcheck disable=SC2086
    retry $SUDO apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

# install_foreign_sysroot ARCH SYSROOT PACKAGE...: Debian's ARCH packages unpacked with dpkg -x
# into SYSROOT (never installed: the foreign -dev packages conflict with the native ones).
install_foreign_sysroot() {
  local arch="$1" sysroot="$2"
  shift 2
  if [ -f "$sysroot/.complete" ]; then return; fi
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    log "adding $arch as a foreign architecture (download only; nothing $arch is installed)"
    $SUDO dpkg --add-architecture "$arch"
    apt_updated=0
  fi
  apt_update
  local tmp
  tmp="$(mktemp -d)"
  chown _apt "$tmp" 2>/dev/null || chmod 777 "$tmp"  # apt downloads as the _apt user when it can
  log "fetching $arch -dev packages into $sysroot"
  local pkgs=("$@")
  ( cd "$tmp" && retry apt-get "${APT_OPTS[@]}" download -qq "${pkgs[@]/%/:$arch}" )
  rm -rf "$sysroot"
  mkdir -p "$sysroot"
  local deb
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$sysroot"; done
  rm -rf "$tmp"
  touch "$sysroot/.complete"
}

enable_deb_src() {
  if grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ || grep -qs '^deb-src' /etc/apt/sources.list; then
    return
  fi
  log "adding deb-src entries for bookworm"
  $SUDO tee /etc/apt/sources.list.d/sprig-deb-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt_updated=0
}

# build_cmocka_wasm PREFIX [EXTRA_CFLAGS]
build_cmocka_wasm() {
  local prefix="$1" cflags="${2:-}"
  if [ -f "$prefix/.complete" ]; then return; fi
  enable_deb_src
  apt_update
  local tmp
  tmp="$(mktemp -d)"
  chown _apt "$tmp" 2>/dev/null || chmod 777 "$tmp"  # apt downloads as the _apt user when it can
  log "building CMocka for wasm (emscripten${cflags:+, $cflags}) into $prefix"
  ( cd "$tmp" && retry apt-get "${APT_OPTS[@]}" source --download-only -qq cmocka >/dev/null )
  tar -xf "$(ls "$tmp"/cmocka_*.orig.tar.* | grep -v "\.asc$" | head -n1)" -C "$tmp"
  local src
  src="$(find "$tmp" -maxdepth 1 -type d -name 'cmocka-*' | head -n1)"
  export NODE_PATH=/usr/share/nodejs
  emcmake cmake -S "$src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF \
    -DCMAKE_C_FLAGS="-D_UINTPTR_T_DEFINED $cflags" -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
  cmake --build "$tmp/build" -j "$(nproc)" >/dev/null
  cmake --install "$tmp/build" >/dev/null
  rm -rf "$tmp"
  touch "$prefix/.complete"
}

install_native
install_foreign_sysroot arm64 "$SYSROOT_ARM64" "${ARM64_DEBS[@]}"
install_foreign_sysroot armhf "$SYSROOT_ARMHF" "${ARMHF_DEBS[@]}"
build_cmocka_wasm "$CMOCKA_WASM"
build_cmocka_wasm "$CMOCKA_WASM_THREADS" -pthread
if [ "${SPRIG_SETUP_LLVM_MCA:-0}" = 1 ] && [ -n "$(missing_pkgs llvm-19)" ]; then
  apt_update
  log "apt-get install: llvm-19 (llvm-mca-19, for scripts/neon-mca.sh)"
  retry $SUDO apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends llvm-19 >/dev/null
fi
log "ok (deps in $DEPS)"
