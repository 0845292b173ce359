/*
 * x86 AVX2 + FMA3 for the kernels of every family: INLINE, and the vector type, loads, stores and
 * arithmetic as macros (VEC, LANES, VLOADU, ...) that a family's x86-template.h is written in.
 * A kernel file includes this, adds its family's own macros, then its x86-template.h.
 */
#ifndef SPRIG_ISA_AVX2_H
#define SPRIG_ISA_AVX2_H

#include <immintrin.h>

#define INLINE static inline __attribute__((always_inline))

/* The vector abstraction of the x86 templates (each template lists what it uses). */
#define VEC __m256
#define MASK __m256i
#define LANES 8
#define VLOADU(p) _mm256_loadu_ps(p)
#define VMASKLOAD(p, mask) _mm256_maskload_ps(p, mask)
#define VSTOREU(p, v) _mm256_storeu_ps(p, v)
#define VMASKSTORE(p, mask, v) _mm256_maskstore_ps(p, mask, v)
#define VMADD(acc, x, w) _mm256_fmadd_ps(x, w, acc)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VZERO() _mm256_setzero_ps()
#define VSET1(f) _mm256_set1_ps(f)
#define VMIN(a, b) _mm256_min_ps(a, b)
#define VMAX(a, b) _mm256_max_ps(a, b)
#define TAIL_MASK(k) \
  _mm256_cmpgt_epi32(_mm256_set1_epi32((int) (k)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))

#endif /* SPRIG_ISA_AVX2_H */
