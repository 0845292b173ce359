#include <stdlib.h>
#include <string.h>

#if !defined(__wasm__)
#include <cpuinfo.h>
#endif

#include <sprig/common.h>
#include <sprig/hardware.h>
#include <sprig/log.h>

static const char* const isa_names[sprig_isa_count] = {
    [sprig_isa_scalar] = "scalar",   [sprig_isa_sse2] = "sse2", [sprig_isa_avx2] = "avx2",
    [sprig_isa_avx512f] = "avx512f", [sprig_isa_neonfma] = "neonfma",
    [sprig_isa_wasmsimd] = "wasmsimd", [sprig_isa_avxvnni] = "avxvnni", [sprig_isa_avx512vnni] = "avx512vnni",
    [sprig_isa_neondot] = "neondot", [sprig_isa_neon] = "neon", [sprig_isa_neonvfpv4] = "neonvfpv4",
    [sprig_isa_avx512fp16] = "avx512fp16", [sprig_isa_neonfp16arith] = "neonfp16arith",
    [sprig_isa_wasmrelaxedsimd] = "wasmrelaxedsimd",
};

const char* sprig_isa_to_string(enum sprig_isa isa) {
  return (unsigned) isa < (unsigned) sprig_isa_count ? isa_names[isa] : "unknown";
}

#ifndef SPRIG_KERNELS_SSE2
#define SPRIG_KERNELS_SSE2 0
#endif
#ifndef SPRIG_KERNELS_AVX2
#define SPRIG_KERNELS_AVX2 0
#endif
#ifndef SPRIG_KERNELS_AVX512F
#define SPRIG_KERNELS_AVX512F 0
#endif
#ifndef SPRIG_KERNELS_NEONFMA
#define SPRIG_KERNELS_NEONFMA 0
#endif
#ifndef SPRIG_KERNELS_WASMSIMD
#define SPRIG_KERNELS_WASMSIMD 0
#endif
#ifndef SPRIG_KERNELS_AVXVNNI
#define SPRIG_KERNELS_AVXVNNI 0
#endif
#ifndef SPRIG_KERNELS_AVX512VNNI
#define SPRIG_KERNELS_AVX512VNNI 0
#endif
#ifndef SPRIG_KERNELS_NEONDOT
#define SPRIG_KERNELS_NEONDOT 0
#endif
#ifndef SPRIG_KERNELS_NEON
#define SPRIG_KERNELS_NEON 0
#endif
#ifndef SPRIG_KERNELS_NEONVFPV4
#define SPRIG_KERNELS_NEONVFPV4 0
#endif
#ifndef SPRIG_KERNELS_AVX512FP16
#define SPRIG_KERNELS_AVX512FP16 0
#endif
#ifndef SPRIG_KERNELS_NEONFP16ARITH
#define SPRIG_KERNELS_NEONFP16ARITH 0
#endif
#ifndef SPRIG_KERNELS_WASMRELAXEDSIMD
#define SPRIG_KERNELS_WASMRELAXEDSIMD 0
#endif

#if SPRIG_KERNELS_AVXVNNI
#include <cpuid.h>
/* AVX-VNNI (CPUID leaf 7, sub-leaf 1, EAX bit 4), which this cpuinfo does not report; AVX2
 * (from cpuinfo, which also checks that the OS saves the YMM state) is required with it. */
static bool cpu_has_avxvnni(void) {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) {
    return false;
  }
  return (eax & (1u << 4)) != 0 && cpuinfo_has_x86_avx2();
}
#endif

#if SPRIG_KERNELS_AVX512FP16
#include <cpuid.h>
/* AVX512-FP16 (CPUID leaf 7, sub-leaf 0, EDX bit 23), which this cpuinfo does not report; the
 * AVX-512 foundation, BW and VL (from cpuinfo, which also checks the OS saves the ZMM state) are
 * required with it. */
static bool cpu_has_avx512fp16(void) {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    return false;
  }
  return (edx & (1u << 23)) != 0 && cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx512bw() &&
         cpuinfo_has_x86_avx512vl();
}
#endif

/* An ISA counts when the CPU has it and this build compiled its kernels. */
static void detect_isas(bool has_isa[sprig_isa_count]) {
  has_isa[sprig_isa_scalar] = true;
#if SPRIG_ARCH_WASM
  has_isa[sprig_isa_wasmsimd] = SPRIG_ARCH_WASMSIMD && SPRIG_KERNELS_WASMSIMD;
  /* A module built with relaxed SIMD only instantiates on engines that have it. */
  has_isa[sprig_isa_wasmrelaxedsimd] = SPRIG_ARCH_WASMSIMD && SPRIG_KERNELS_WASMRELAXEDSIMD;
#else
  /* cpuinfo_has_* exist on every architecture and answer false off their own. */
  has_isa[sprig_isa_sse2] = SPRIG_KERNELS_SSE2 && cpuinfo_has_x86_sse2();
  /* F16C too: the AVX2 half-precision kernels convert with it (every AVX2 CPU has it). */
  has_isa[sprig_isa_avx2] = SPRIG_KERNELS_AVX2 && cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3() &&
                            cpuinfo_has_x86_f16c();
  has_isa[sprig_isa_avx512f] = SPRIG_KERNELS_AVX512F && cpuinfo_has_x86_avx512f();
  has_isa[sprig_isa_neonfma] = SPRIG_KERNELS_NEONFMA && cpuinfo_has_arm_neon_fma();
#if SPRIG_KERNELS_AVXVNNI
  has_isa[sprig_isa_avxvnni] = cpu_has_avxvnni();
#endif
  has_isa[sprig_isa_avx512vnni] = SPRIG_KERNELS_AVX512VNNI && cpuinfo_has_x86_avx512f() &&
                                  cpuinfo_has_x86_avx512bw() && cpuinfo_has_x86_avx512vl() &&
                                  cpuinfo_has_x86_avx512vnni();
  has_isa[sprig_isa_neondot] = SPRIG_KERNELS_NEONDOT && cpuinfo_has_arm_neon_dot();
#if SPRIG_KERNELS_AVX512FP16
  has_isa[sprig_isa_avx512fp16] = cpu_has_avx512fp16();
#endif
  has_isa[sprig_isa_neonfp16arith] = SPRIG_KERNELS_NEONFP16ARITH && cpuinfo_has_arm_neon_fp16_arith();
  /* armv7 only (the kernels are compiled for 32-bit ARM; cpuinfo answers true for both on
   * aarch64). neon_fma: NEON and VFPv4 (the HWCAP bits). */
  has_isa[sprig_isa_neon] = SPRIG_KERNELS_NEON && cpuinfo_has_arm_neon();
  has_isa[sprig_isa_neonvfpv4] = SPRIG_KERNELS_NEONVFPV4 && cpuinfo_has_arm_neon_fma();
#endif
}

#if !SPRIG_ARCH_WASM && (CPUINFO_ARCH_X86 || CPUINFO_ARCH_X86_64)
/* AMD's cores (Zen, and Hygon's Zen-based ones) run vector gathers as microcode, a few
 * micro-ops per lane: scalar loads put together by inserts are faster there. */
static bool gathers_microcoded(void) {
  const struct cpuinfo_core* core = cpuinfo_get_core(0);
  return core != NULL && (core->vendor == cpuinfo_vendor_amd || core->vendor == cpuinfo_vendor_hygon);
}
#endif

#if !SPRIG_ARCH_WASM && (CPUINFO_ARCH_ARM || CPUINFO_ARCH_ARM64)
/* Arm's in-order application cores, by MIDR part number (implementer 0x41): Cortex-A5, A7, A8,
 * A32, A53, A35, A55, A510, A520. The part number, not cpuinfo's uarch, so that cores newer than
 * the cpuinfo at hand (A510, A520) count too. */
static bool midr_is_inorder(uint32_t midr) {
  static const uint16_t parts[] = {0xC05, 0xC07, 0xC08, 0xD01, 0xD03, 0xD04, 0xD05, 0xD46, 0xD80};
  if ((midr >> 24) != 0x41) {
    return false;
  }
  const uint32_t part = (midr >> 4) & 0xFFF;
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
    if (part == parts[i]) {
      return true;
    }
  }
  return false;
}

/* More than half of the cores are in-order. On big.LITTLE the operators' threads run on every
 * core and the big ones take the larger share of the work (the thread pool balances it), so a
 * 4 + 4 SoC keeps the out-of-order kernels; an all-little SoC, or one whose majority is little
 * (6 + 2), takes the in-order ones. */
static bool most_cores_inorder(void) {
  const uint32_t cores = cpuinfo_get_cores_count();
  uint32_t inorder = 0;
  for (uint32_t i = 0; i < cores; i++) {
    const struct cpuinfo_core* core = cpuinfo_get_core(i);
    if (core != NULL && midr_is_inorder(core->midr)) {
      inorder++;
    }
  }
  return cores != 0 && 2 * inorder > cores;
}
#endif

static enum sprig_status read_forced_isa(const bool has_isa[sprig_isa_count], enum sprig_isa* forced) {
  *forced = sprig_isa_count;
  const char* name = getenv("SPRIG_FORCE_ISA");
  if (name == NULL || name[0] == '\0') {
    return sprig_status_success;
  }
  for (int isa = 0; isa < (int) sprig_isa_count; isa++) {
    if (strcmp(name, isa_names[isa]) == 0) {
      if (!has_isa[isa]) {
        sprig_log_error("SPRIG_FORCE_ISA=%s: this CPU (or build) cannot run %s kernels", name, name);
        return sprig_status_unsupported_hardware;
      }
      *forced = (enum sprig_isa) isa;
      sprig_log_info("SPRIG_FORCE_ISA=%s: kernels restricted to %s", name, name);
      return sprig_status_success;
    }
  }
  sprig_log_error("SPRIG_FORCE_ISA=%s is not a known instruction set "
                  "(scalar, sse2, avx2, avx512f, avxvnni, avx512vnni, avx512fp16, neonfma, neondot, "
                  "neonfp16arith, neon, neonvfpv4, wasmsimd, wasmrelaxedsimd)", name);
  return sprig_status_invalid_parameter;
}

enum sprig_status sprig_detect_hardware(struct sprig_hardware* hardware) {
#if !SPRIG_ARCH_WASM
  if (!cpuinfo_initialize()) {
    sprig_log_error("cpuinfo failed to initialize: cannot detect the CPU's instruction sets");
    return sprig_status_unsupported_hardware;
  }
#endif
  struct sprig_hardware detected = {0};
  detect_isas(detected.has_isa);
  detected.l2_bytes = SPRIG_DEFAULT_L2_BYTES;
#if !SPRIG_ARCH_WASM
  if (cpuinfo_get_l2_caches_count() != 0 && cpuinfo_get_l2_cache(0)->size != 0) {
    detected.l2_bytes = cpuinfo_get_l2_cache(0)->size;
  }
#if CPUINFO_ARCH_ARM || CPUINFO_ARCH_ARM64
  detected.inorder_cores = most_cores_inorder();
#endif
#if CPUINFO_ARCH_X86 || CPUINFO_ARCH_X86_64
  detected.slow_gathers = gathers_microcoded();
#endif
#endif
  const enum sprig_status status = read_forced_isa(detected.has_isa, &detected.forced_isa);
  if (status != sprig_status_success) {
    return status;
  }
  detected.initialized = true;
  *hardware = detected;
  return sprig_status_success;
}

bool sprig_isa_allowed(const struct sprig_hardware* hardware, enum sprig_isa isa) {
  if (!hardware->has_isa[isa]) {
    return false;
  }
  const enum sprig_isa forced = hardware->forced_isa;
  return forced == sprig_isa_count || forced == isa || isa == sprig_isa_scalar || isa == sprig_isa_base(forced);
}

enum sprig_isa sprig_isa_base(enum sprig_isa isa) {
  switch (isa) {
    case sprig_isa_avxvnni:
      return sprig_isa_avx2;
    case sprig_isa_avx512vnni:
      return sprig_isa_avx512f;
    case sprig_isa_neondot:
    case sprig_isa_neonfp16arith:
      return sprig_isa_neonfma;
    case sprig_isa_avx512fp16:
      return sprig_isa_avx512f;
    case sprig_isa_wasmrelaxedsimd:
      return sprig_isa_wasmsimd;
    default:
      return sprig_isa_scalar;
  }
}
