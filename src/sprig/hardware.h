/* What the CPU can run, read once from cpuinfo (or fixed at build time for wasm). */
#ifndef SPRIG_HARDWARE_H
#define SPRIG_HARDWARE_H

#include <stdbool.h>
#include <stddef.h>

#include <sprig.h>
#include <sprig/isa.h>

struct sprig_hardware {
  bool initialized;
  /* has_isa[i]: the CPU (and this build) can run kernels of ISA i. */
  bool has_isa[sprig_isa_count];
  /* SPRIG_FORCE_ISA, or sprig_isa_count when not forced. */
  enum sprig_isa forced_isa;
  /* The L2 cache of core 0 from cpuinfo, or SPRIG_DEFAULT_L2_BYTES when it reports none (some
   * virtual machines hide the cache topology). */
  size_t l2_bytes;
  /* More than half of the cores are in-order ARM cores (Cortex-A5/A7/A8, A32, A35, A53, A55,
   * A510, A520, by their MIDR): kernels with an in-order variant then use it. */
  bool inorder_cores;
  /* x86 CPUs whose vector gathers (vgatherdps, vpgatherdd) are microcoded and slower than
   * scalar loads put together by inserts: AMD and Hygon (Zen). Families with a _NOGATHER
   * variant use it there. */
  bool slow_gathers;
};

#define SPRIG_DEFAULT_L2_BYTES ((size_t) 1 << 20)

/* Fills `hardware` (cpuinfo, SPRIG_FORCE_ISA). Called once by sprig_initialize. */
enum sprig_status sprig_detect_hardware(struct sprig_hardware* hardware);

/* The process-wide result of sprig_initialize; NULL before it succeeded. */
const struct sprig_hardware* sprig_get_hardware(void);

/* The ISA an extension builds on (avxvnni: avx2; avx512vnni, avx512fp16: avx512f; neondot,
 * neonfp16arith: neonfma; wasmrelaxedsimd: wasmsimd), scalar for the others. */
enum sprig_isa sprig_isa_base(enum sprig_isa isa);

/* True when kernel selection may use `isa`: the CPU has it and no other ISA is forced (forcing
 * an extension also allows its base, for the families the extension has no kernels for). */
bool sprig_isa_allowed(const struct sprig_hardware* hardware, enum sprig_isa isa);

#endif /* SPRIG_HARDWARE_H */
