# Cross-compiling for 32-bit ARM Linux (armv7-a, hard-float ABI) with Debian's
# gcc-arm-linux-gnueabihf. Its defaults (-march=armv7-a+fp -mfpu=vfpv3-d16 -mthumb
# -mfloat-abi=hard) build the framework and the scalar kernels, which then run on any armhf CPU;
# only the NEON kernel files get -mfpu=neon / -mfpu=neon-vfpv4 (CMakeLists.txt), and cpuinfo
# decides at run time whether they may run.
# Libraries (cpuinfo, pthreadpool, CMocka) come from a private sysroot of Debian armhf packages
# unpacked with dpkg -x (scripts/setup-deps.sh makes it): set SPRIG_ARMHF_SYSROOT, default
# <repo>/.deps/sysroot-armhf. Tests run under qemu-arm (QEMU_CPU picks the core: cortex-a7 and
# cortex-a15 both have NEON and VFPv4).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7-a)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)

if(NOT SPRIG_ARMHF_SYSROOT)
  if(DEFINED ENV{SPRIG_ARMHF_SYSROOT})
    set(SPRIG_ARMHF_SYSROOT "$ENV{SPRIG_ARMHF_SYSROOT}")
  else()
    get_filename_component(SPRIG_ARMHF_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../.deps/sysroot-armhf" ABSOLUTE)
  endif()
endif()
set(SPRIG_ARMHF_SYSROOT "${SPRIG_ARMHF_SYSROOT}" CACHE PATH "Unpacked Debian armhf -dev packages")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SPRIG_ARMHF_SYSROOT)

set(CMAKE_FIND_ROOT_PATH "${SPRIG_ARMHF_SYSROOT}" /usr/arm-linux-gnueabihf)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Shared libraries in the sysroot depend on each other (pthreadpool, cpuinfo -> clog).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${SPRIG_ARMHF_SYSROOT}/usr/lib/arm-linux-gnueabihf")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,-rpath-link,${SPRIG_ARMHF_SYSROOT}/usr/lib/arm-linux-gnueabihf")

set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm -L /usr/arm-linux-gnueabihf)
