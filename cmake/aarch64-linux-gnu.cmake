# Cross-compiling for 64-bit ARM Linux with Debian's gcc-aarch64-linux-gnu.
# Libraries (cpuinfo, pthreadpool, CMocka, XNNPACK) come from a private sysroot of Debian arm64
# packages unpacked with dpkg -x (scripts/setup-deps.sh makes it): set SPRIG_ARM64_SYSROOT,
# default <repo>/.deps/sysroot-arm64. Tests run under qemu-aarch64 (QEMU_CPU picks the core).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

if(NOT SPRIG_ARM64_SYSROOT)
  if(DEFINED ENV{SPRIG_ARM64_SYSROOT})
    set(SPRIG_ARM64_SYSROOT "$ENV{SPRIG_ARM64_SYSROOT}")
  else()
    get_filename_component(SPRIG_ARM64_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../.deps/sysroot-arm64" ABSOLUTE)
  endif()
endif()
set(SPRIG_ARM64_SYSROOT "${SPRIG_ARM64_SYSROOT}" CACHE PATH "Unpacked Debian arm64 -dev packages")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SPRIG_ARM64_SYSROOT)

set(CMAKE_FIND_ROOT_PATH "${SPRIG_ARM64_SYSROOT}" /usr/aarch64-linux-gnu)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Shared libraries in the sysroot depend on each other (XNNPACK -> cpuinfo, pthreadpool).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${SPRIG_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,-rpath-link,${SPRIG_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")

set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
