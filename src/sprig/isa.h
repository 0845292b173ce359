/* Instruction sets sprig has kernels for. */
#ifndef SPRIG_ISA_H
#define SPRIG_ISA_H

#include <stdbool.h>

enum sprig_isa {
  sprig_isa_scalar = 0,
  sprig_isa_sse2,
  sprig_isa_avx2,     /* AVX2 + FMA3 */
  sprig_isa_avx512f,
  sprig_isa_neonfma,
  sprig_isa_wasmsimd,
  sprig_isa_avxvnni,    /* AVX2 + AVX-VNNI (VEX vpdpbusd) */
  sprig_isa_avx512vnni, /* AVX-512F/BW/VL + AVX512-VNNI */
  sprig_isa_neondot,    /* aarch64 NEON + the dot-product extension (sdot, udot) */
  sprig_isa_neon,       /* armv7 NEON without FMA (vmla: multiply, round, add) */
  sprig_isa_neonvfpv4,  /* armv7 NEON with VFPv4's fused multiply-add (vfma) */
  sprig_isa_avx512fp16, /* AVX-512F/BW/VL + AVX512-FP16 (half-precision arithmetic) */
  sprig_isa_neonfp16arith, /* aarch64 NEON + ARMv8.2 half-precision arithmetic (fmla .8h) */
  sprig_isa_wasmrelaxedsimd, /* WebAssembly SIMD128 + relaxed SIMD (the relaxed build only) */
  sprig_isa_count,
};

const char* sprig_isa_to_string(enum sprig_isa isa);

#endif /* SPRIG_ISA_H */
