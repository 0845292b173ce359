/*
 * Scalar f16 block-sparse matrix-vector kernels, 1 x 4 and 1 x 8 blocks: the f32 scalar
 * kernels (kernels/f32-bspmv/scalar.c) with each weight widened exactly (widen below) and the
 * block columns the running sums of the gaps. The portable fallback (armv7, x86 without F16C)
 * and the model for the SIMD files.
 */
#include <isa/scalar.h>
#include <sprig/bspmv.h>
#include <sprig/half.h>

/* The half with bits h as f32, exactly: sign, exponent and mantissa shifted into f32 position
 * and multiplied by 2^112 (which rebiases normals and scales subnormals exactly: no target of
 * these kernels flushes subnormals). Exponent 31 (Inf, NaN) takes the general conversion; the
 * branch is all but never taken, so it costs less than src/sprig/half.h's branchless form. */
static inline float widen(uint16_t h) {
  const uint32_t shifted = (uint32_t) (h & 0x7FFFu) << 13;
  if (__builtin_expect(shifted >= 0x0F800000u, 0)) {
    return sprig_half_to_float(h);
  }
  return sprig_bits_to_float(shifted | (uint32_t) (h & 0x8000u) << 16) * 0x1.0p112f;
}

static inline void bspmv_rows(size_t c, size_t nc, const float* input, const float* bias, const uint16_t* w,
                              const uint8_t* gaps, const uint32_t* nblocks, float* output,
                              const struct sprig_f32_minmax_params* params) {
  for (size_t n = 0; n < nc; n++) {
    float lanes[8] = {0};
    size_t at = (size_t) 0 - c;
    for (uint32_t b = nblocks[n]; b != 0; b--) {
      at += (size_t) *gaps++ * c;
      const float* x = input + at;
      for (size_t j = 0; j < c; j++) {
        lanes[j] += widen(w[j]) * x[j];
      }
      w += c;
    }
    float sum = 0.0f;
    for (size_t j = 0; j < c; j++) {
      sum += lanes[j];
    }
    output[n] = sprig_clamp_f32(bias[n] + sum, params->min, params->max);
  }
}

#define DEFINE_SCALAR_BSPMV(C)                                                                        \
  void sprig_f16_bspmv_minmax_ukernel_1x##C##__scalar(                                                \
      size_t nc, const float* input, const float* bias, const uint16_t* values, const uint8_t* col_gaps, \
      const uint32_t* nblocks, float* output, const struct sprig_f32_minmax_params* params) {         \
    bspmv_rows(C, nc, input, bias, values, col_gaps, nblocks, output, params);                         \
  }

DEFINE_SCALAR_BSPMV(4)
DEFINE_SCALAR_BSPMV(8)
