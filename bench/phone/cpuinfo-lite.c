/*
 * A stand-in for cpuinfo in the static aarch64 (phone) build of sprig-bench ONLY.
 *
 * Debian ships cpuinfo for arm64 as a shared library only, and its sources cannot be fetched
 * here, so scripts/build-phone-bench.sh links this file instead. It is compiled against
 * Debian's own arm64 <cpuinfo.h> and provides what sprig uses: cpuinfo_initialize() and the
 * cpuinfo_isa flags that the header's inline cpuinfo_has_arm_*() functions read. On AArch64
 * the header answers NEON and NEON-FMA with compile-time constants (both are mandatory in
 * ARMv8-A); the optional extensions are read here from the kernel's HWCAP bits, as cpuinfo
 * itself does on Linux. Topology and uarch queries are NOT provided; the L2 query sprig makes
 * answers "no L2 reported" (sprig then assumes its default size, as on VMs that hide caches).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cpuinfo.h>

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

struct cpuinfo_arm_isa cpuinfo_isa;

static bool has(unsigned long bits, unsigned long mask) {
  return (bits & mask) == mask;
}

bool cpuinfo_initialize(void) {
#if defined(__aarch64__) && defined(__linux__)
  const unsigned long hwcap = getauxval(AT_HWCAP);
  const unsigned long hwcap2 = getauxval(AT_HWCAP2);
  cpuinfo_isa.atomics = has(hwcap, HWCAP_ATOMICS);
  cpuinfo_isa.rdm = has(hwcap, HWCAP_ASIMDRDM);
  cpuinfo_isa.fp16arith = has(hwcap, HWCAP_FPHP | HWCAP_ASIMDHP);
  cpuinfo_isa.dot = has(hwcap, HWCAP_ASIMDDP);
  cpuinfo_isa.jscvt = has(hwcap, HWCAP_JSCVT);
  cpuinfo_isa.fcma = has(hwcap, HWCAP_FCMA);
  cpuinfo_isa.aes = has(hwcap, HWCAP_AES);
  cpuinfo_isa.sha1 = has(hwcap, HWCAP_SHA1);
  cpuinfo_isa.sha2 = has(hwcap, HWCAP_SHA2);
  cpuinfo_isa.pmull = has(hwcap, HWCAP_PMULL);
  cpuinfo_isa.crc32 = has(hwcap, HWCAP_CRC32);
  cpuinfo_isa.sve = has(hwcap, HWCAP_SVE);
  cpuinfo_isa.sve2 = has(hwcap2, HWCAP2_SVE2);
  cpuinfo_isa.bf16 = has(hwcap2, HWCAP2_BF16);
  cpuinfo_isa.svebf16 = has(hwcap2, HWCAP2_SVEBF16);
#endif
  return true;
}

void cpuinfo_deinitialize(void) {
}

uint32_t cpuinfo_get_l2_caches_count(void) {
  return 0;
}

const struct cpuinfo_cache* cpuinfo_get_l2_cache(uint32_t index) {
  (void) index;
  return NULL;
}
