/*
 * x86 SSE2 f32 sliced-ELL matrix-vector kernel, slices of 8 rows (two xmm per accumulator). Per
 * slot: 8 movzwl offsets, 8 movss input loads assembled into two xmm (SSE2 has no gather), two
 * movups of the weights, two mulps + two addps. Limit: the 8 scalar input loads and shuffles
 * per slot; the weight stream (6 bytes per slot) for large layers.
 */
#include <emmintrin.h>

#include <isa/sse2.h>
#include <sprig/sellmv.h>

struct acc8 {
  __m128 lo;
  __m128 hi;
};

INLINE __m128 gather4(const float* x, const uint16_t* off) {
  return _mm_setr_ps(x[off[0]], x[off[1]], x[off[2]], x[off[3]]);
}

INLINE struct acc8 madd8(struct acc8 acc, const float* w, const float* x, const uint16_t* off) {
  acc.lo = _mm_add_ps(acc.lo, _mm_mul_ps(_mm_loadu_ps(w), gather4(x, off)));
  acc.hi = _mm_add_ps(acc.hi, _mm_mul_ps(_mm_loadu_ps(w + 4), gather4(x, off + 4)));
  return acc;
}

INLINE struct acc8 add8(struct acc8 a, struct acc8 b) {
  return (struct acc8){_mm_add_ps(a.lo, b.lo), _mm_add_ps(a.hi, b.hi)};
}

INLINE void store8(float* p, struct acc8 a) {
  _mm_storeu_ps(p, a.lo);
  _mm_storeu_ps(p + 4, a.hi);
}

#define C 8
#define ACC struct acc8
#define ACC_ZERO() ((struct acc8){_mm_setzero_ps(), _mm_setzero_ps()})
#define MADD(acc, w, x, off) madd8(acc, w, x, off)
#define ACC_ADD(a, b) add8(a, b)
#define ACC_STORE(p, acc) store8(p, acc)
#include "template.h"

DEFINE_SELLMV_UKERNEL(sprig_f32_sellmv_minmax_ukernel_8__sse2)
