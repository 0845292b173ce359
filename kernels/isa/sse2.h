/*
 * x86 SSE2 for the kernels of every family: INLINE, the partial-vector moves, and the vector
 * type, loads, stores and arithmetic as macros (VEC, LANES, VLOADU, ...) that a family's
 * x86-template.h is written in. A kernel file includes this, adds its family's own macros, then
 * its x86-template.h.
 */
#ifndef SPRIG_ISA_SSE2_H
#define SPRIG_ISA_SSE2_H

#include <emmintrin.h>

#define INLINE static inline __attribute__((always_inline))

/* How many lanes of the last vector of a tile are pixels: SSE2 has no masked loads and stores,
 * so a partial vector is moved with movq and/or movss (the MASK of x86-template.h). */
enum width {
  width_full = 4,
  width_triple = 3,
  width_pair = 2,
  width_single = 1,
};

/* Loads `width` floats into the low lanes (the others are zero). */
INLINE __m128 load_low(const float* p, enum width width) {
  switch (width) {
    case width_single:
      return _mm_load_ss(p);
    case width_pair:
      return _mm_castsi128_ps(_mm_loadl_epi64((const __m128i*) p));
    case width_triple:
      return _mm_movelh_ps(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i*) p)), _mm_load_ss(p + 2));
    default:
      return _mm_loadu_ps(p);
  }
}

/* Stores the low `width` lanes. */
INLINE void store_low(float* p, __m128 v, enum width width) {
  switch (width) {
    case width_single:
      _mm_store_ss(p, v);
      break;
    case width_pair:
      _mm_storel_epi64((__m128i*) p, _mm_castps_si128(v));
      break;
    case width_triple:
      _mm_storel_epi64((__m128i*) p, _mm_castps_si128(v));
      _mm_store_ss(p + 2, _mm_movehl_ps(v, v));
      break;
    default:
      _mm_storeu_ps(p, v);
      break;
  }
}

/* The vector abstraction of the x86 templates (each template lists what it uses). */
#define VEC __m128
#define MASK enum width
#define LANES 4
#define VLOADU(p) _mm_loadu_ps(p)
#define VMASKLOAD(p, width) load_low(p, width)
#define VSTOREU(p, v) _mm_storeu_ps(p, v)
#define VMASKSTORE(p, width, v) store_low(p, v, width)
#define VMADD(acc, x, w) _mm_add_ps(acc, _mm_mul_ps(x, w))
#define VADD(a, b) _mm_add_ps(a, b)
#define VZERO() _mm_setzero_ps()
#define VSET1(f) _mm_set1_ps(f)
#define VMIN(a, b) _mm_min_ps(a, b)
#define VMAX(a, b) _mm_max_ps(a, b)

#endif /* SPRIG_ISA_SSE2_H */
