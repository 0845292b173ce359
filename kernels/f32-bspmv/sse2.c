/*
 * x86 SSE2 f32 block-sparse matrix-vector kernels. Per 1x4 block: one movups of the 4 inputs,
 * one movups of the 4 weights, mulps + addps into one of four xmm accumulators (taken in turn:
 * four add chains), plus the movzwl of the block column and its address arithmetic; 1x8
 * blocks are two such halves. Rows end with the horizontal sum of the accumulators. Limit:
 * the weight stream (4 + 2 / C bytes per weight) from memory for large layers, and the
 * horizontal sum per row for rows of few blocks.
 */
#include <emmintrin.h>

#include <isa/sse2.h>
#include <sprig/bspmv.h>

INLINE float hsum128(__m128 v) {
  const __m128 pairs = _mm_add_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_add_ss(pairs, _mm_shuffle_ps(pairs, pairs, 1)));
}

struct acc8 {
  __m128 lo;
  __m128 hi;
};

INLINE struct acc8 madd8(struct acc8 acc, const float* w, const float* x) {
  acc.lo = _mm_add_ps(acc.lo, _mm_mul_ps(_mm_loadu_ps(w), _mm_loadu_ps(x)));
  acc.hi = _mm_add_ps(acc.hi, _mm_mul_ps(_mm_loadu_ps(w + 4), _mm_loadu_ps(x + 4)));
  return acc;
}

INLINE struct acc8 add8(struct acc8 a, struct acc8 b) {
  return (struct acc8){_mm_add_ps(a.lo, b.lo), _mm_add_ps(a.hi, b.hi)};
}

/* 1 x 4 blocks: one xmm per block. */
#define C 4
#define STEP 1
#define ACC __m128
#define ACC_ZERO() _mm_setzero_ps()
#define MADD_ONE(acc, w, x) _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(w), _mm_loadu_ps(x)))
#define MADD_STEP(acc, w, input, cols) MADD_ONE(acc, w, block_input(input, (cols)[0], C))
#define ACC_ADD(a, b) _mm_add_ps(a, b)
#define ACC_SUM(acc) hsum128(acc)
#define BSPMV_ROWS bspmv_rows_1x4
#include "template.h"

/* 1 x 8 blocks: two xmm per block. */
#define C 8
#define STEP 1
#define ACC struct acc8
#define ACC_ZERO() ((struct acc8){_mm_setzero_ps(), _mm_setzero_ps()})
#define MADD_ONE(acc, w, x) madd8(acc, w, x)
#define MADD_STEP(acc, w, input, cols) madd8(acc, w, block_input(input, (cols)[0], C))
#define ACC_ADD(a, b) add8(a, b)
#define ACC_SUM(acc) hsum128(_mm_add_ps((acc).lo, (acc).hi))
#define BSPMV_ROWS bspmv_rows_1x8
#include "template.h"

DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x4__sse2, bspmv_rows_1x4)
DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x8__sse2, bspmv_rows_1x8)
