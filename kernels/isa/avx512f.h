/*
 * x86 AVX-512F for the kernels of every family: INLINE, and the vector type, loads, stores and
 * arithmetic as macros (VEC, LANES, VLOADU, ...) that a family's x86-template.h is written in.
 * A kernel file includes this, adds its family's own macros, then its x86-template.h.
 */
#ifndef SPRIG_ISA_AVX512F_H
#define SPRIG_ISA_AVX512F_H

#include <immintrin.h>

#define INLINE static inline __attribute__((always_inline))

/* The vector abstraction of the x86 templates (each template lists what it uses). */
#define VEC __m512
#define MASK __mmask16
#define LANES 16
#define VLOADU(p) _mm512_loadu_ps(p)
#define VMASKLOAD(p, mask) _mm512_maskz_loadu_ps(mask, p)
#define VSTOREU(p, v) _mm512_storeu_ps(p, v)
#define VMASKSTORE(p, mask, v) _mm512_mask_storeu_ps(p, mask, v)
#define VMADD(acc, x, w) _mm512_fmadd_ps(x, w, acc)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VZERO() _mm512_setzero_ps()
#define VSET1(f) _mm512_set1_ps(f)
#define VMIN(a, b) _mm512_min_ps(a, b)
#define VMAX(a, b) _mm512_max_ps(a, b)
#define TAIL_MASK(k) ((__mmask16) ((1u << (k)) - 1u))
/* The lanes of a mask within the low 8, and all 8 low lanes (MASKED_LOW / MASKED_HALF in
 * isa/x86-vector.h): one 256-bit vmaskmovps or vmovups, the upper half zero. The vector mask
 * depends on the mask alone, so loops hoist it. */
#define VMASKLOAD_LOW(p, mask) _mm512_zextps256_ps512(_mm256_maskload_ps(p, sprig_avx512_low_lanes(mask)))
#define VLOAD_LOW(p) _mm512_zextps256_ps512(_mm256_loadu_ps(p))

INLINE __m256i sprig_avx512_low_lanes(__mmask16 mask) {
  const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int) mask), bits), bits);
}

#endif /* SPRIG_ISA_AVX512F_H */
