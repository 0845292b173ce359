/*
 * Vector loads, stores and the clamp for x86 kernels written over the ISA's macros (the
 * x86-template.h of a kernel family), once for SSE2, AVX2 and AVX-512. Included after one of
 * isa/sse2.h, isa/avx2.h or isa/avx512f.h, which define INLINE, VEC, MASK, VLOADU, VMASKLOAD,
 * VSTOREU, VMASKSTORE, VMIN and VMAX.
 */
#ifndef SPRIG_ISA_X86_VECTOR_H
#define SPRIG_ISA_X86_VECTOR_H

#if !defined(VEC) || !defined(INLINE)
#error "isa/x86-vector.h needs the macros of isa/sse2.h, isa/avx2.h or isa/avx512f.h"
#endif

/* LANES floats from p, or only the lanes of `mask` (the others zero) when `masked`. */
INLINE VEC vload(const float* p, int masked, MASK mask) {
  return masked ? VMASKLOAD(p, mask) : VLOADU(p);
}

/* LANES floats to p, or only the lanes of `mask` when `masked`. */
INLINE void vstore(float* p, VEC v, int masked, MASK mask) {
  if (masked) {
    VMASKSTORE(p, mask, v);
  } else {
    VSTOREU(p, v);
  }
}

INLINE VEC vclamp(VEC v, VEC vmin, VEC vmax) {
  /* The bound goes first: (v)maxps/(v)minps return the second operand when either is NaN, so a
   * NaN result stays NaN as in the scalar kernel. */
  return VMIN(vmax, VMAX(vmin, v));
}

#endif /* SPRIG_ISA_X86_VECTOR_H */
