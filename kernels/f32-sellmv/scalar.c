/*
 * Scalar f32 sliced-ELL matrix-vector kernel, slices of 8 rows: per slot 8 weight loads, 8 offset
 * loads, 8 input loads and 8 multiply-adds into the lanes of four partial-sum sets (the SIMD
 * kernels' order). The portable fallback and the model for the SIMD files.
 */
#include <stdint.h>

#include <isa/scalar.h>

#define INLINE static inline __attribute__((always_inline))

struct lanes8 {
  float v[8];
};

INLINE struct lanes8 lanes8_zero(void) {
  return (struct lanes8){{0}};
}

INLINE struct lanes8 lanes8_madd(struct lanes8 acc, const float* w, const float* x, const uint16_t* off) {
  for (int j = 0; j < 8; j++) {
    acc.v[j] += w[j] * x[off[j]];
  }
  return acc;
}

INLINE struct lanes8 lanes8_add(struct lanes8 a, struct lanes8 b) {
  for (int j = 0; j < 8; j++) {
    a.v[j] += b.v[j];
  }
  return a;
}

INLINE void lanes8_store(float* p, struct lanes8 acc) {
  for (int j = 0; j < 8; j++) {
    p[j] = acc.v[j];
  }
}

#define C 8
#define ACC struct lanes8
#define ACC_ZERO() lanes8_zero()
#define MADD(acc, w, x, off) lanes8_madd(acc, w, x, off)
#define ACC_ADD(a, b) lanes8_add(a, b)
#define ACC_STORE(p, acc) lanes8_store(p, acc)
#include "template.h"

DEFINE_SELLMV_UKERNEL(sprig_f32_sellmv_minmax_ukernel_8__scalar)
