/*
 * x86 AVX-512F for the x86 kernel templates (x86-template.h of kernels/f32-spmm and
 * kernels/f32-nmspmm): INLINE and the ISA macros those templates list. A kernel file includes
 * this, adds its family's own macros, then its x86-template.h.
 */
#ifndef SPRIG_ISA_AVX512F_H
#define SPRIG_ISA_AVX512F_H

#include <immintrin.h>

#define INLINE static inline __attribute__((always_inline))

/* What x86-template.h needs of the ISA (see the list there). */
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

#endif /* SPRIG_ISA_AVX512F_H */
