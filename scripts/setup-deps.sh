#!/usr/bin/env bash
# Installs everything sprig's tests and benchmarks need on a Debian 12 machine:
#   native -dev packages, aarch64 cross compiler + qemu-user, a private arm64 sysroot,
#   emscripten + node-acorn, CMocka built for wasm, gnuplot.
# Idempotent: a second run only checks and returns.
# Where things go: SPRIG_DEPS_DIR (default: <repo>/.deps).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="${SPRIG_DEPS_DIR:-$ROOT/.deps}"
SYSROOT_ARM64="$DEPS/sysroot-arm64"
CMOCKA_WASM="$DEPS/cmocka-wasm"
mkdir -p "$DEPS"

log() { printf '[setup-deps] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

NATIVE_PKGS=(cmake make gcc g++ pkg-config
  libcpuinfo-dev libpthreadpool-dev libxnnpack-dev libcmocka-dev
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  emscripten node-acorn gnuplot-nox dpkg-dev xz-utils)
ARM64_DEBS=(libcmocka-dev libcmocka0 libcpuinfo-dev libcpuinfo0
  libpthreadpool-dev libpthreadpool0 libxnnpack-dev libxnnpack0)

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
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
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

install_arm64_sysroot() {
  if [ -f "$SYSROOT_ARM64/.complete" ]; then return; fi
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    log "adding arm64 as a foreign architecture (download only; nothing arm64 is installed)"
    $SUDO dpkg --add-architecture arm64
    apt_updated=0
  fi
  apt_update
  local tmp
  tmp="$(mktemp -d)"
  chown _apt "$tmp" 2>/dev/null || chmod 777 "$tmp"  # apt downloads as the _apt user when it can
  log "fetching arm64 -dev packages into $SYSROOT_ARM64"
  ( cd "$tmp" && apt-get download -qq "${ARM64_DEBS[@]/%/:arm64}" )
  rm -rf "$SYSROOT_ARM64"
  mkdir -p "$SYSROOT_ARM64"
  local deb
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$SYSROOT_ARM64"; done
  rm -rf "$tmp"
  touch "$SYSROOT_ARM64/.complete"
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

build_cmocka_wasm() {
  if [ -f "$CMOCKA_WASM/.complete" ]; then return; fi
  enable_deb_src
  apt_update
  local tmp
  tmp="$(mktemp -d)"
  chown _apt "$tmp" 2>/dev/null || chmod 777 "$tmp"  # apt downloads as the _apt user when it can
  log "building CMocka for wasm (emscripten) into $CMOCKA_WASM"
  ( cd "$tmp" && apt-get source --download-only -qq cmocka >/dev/null )
  tar -xf "$(ls "$tmp"/cmocka_*.orig.tar.* | grep -v "\.asc$" | head -n1)" -C "$tmp"
  local src
  src="$(find "$tmp" -maxdepth 1 -type d -name 'cmocka-*' | head -n1)"
  export NODE_PATH=/usr/share/nodejs
  emcmake cmake -S "$src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF \
    -DCMAKE_C_FLAGS=-D_UINTPTR_T_DEFINED -DCMAKE_INSTALL_PREFIX="$CMOCKA_WASM" >/dev/null
  cmake --build "$tmp/build" -j "$(nproc)" >/dev/null
  cmake --install "$tmp/build" >/dev/null
  rm -rf "$tmp"
  touch "$CMOCKA_WASM/.complete"
}

install_native
install_arm64_sysroot
build_cmocka_wasm
log "ok (deps in $DEPS)"
