/*
 * Scalar f32 block-sparse matrix-vector kernels, 1 x 4 and 1 x 8 blocks: per block C weight
 * loads, C input loads and C multiply-adds into C lane sums (the SIMD kernels' lanes), summed
 * with the bias at the end of the row. The portable fallback and the model for the SIMD files.
 */
#include <isa/scalar.h>
#include <sprig/bspmv.h>

static inline void bspmv_rows(size_t c, size_t nc, const float* input, const float* bias, const float* w,
                              const uint16_t* cols, const uint32_t* nblocks, float* output,
                              const struct sprig_f32_minmax_params* params) {
  for (size_t n = 0; n < nc; n++) {
    float lanes[8] = {0};
    for (uint32_t b = nblocks[n]; b != 0; b--) {
      const float* x = input + (size_t) *cols++ * c;
      for (size_t j = 0; j < c; j++) {
        lanes[j] += w[j] * x[j];
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

#define DEFINE_SCALAR_BSPMV(C)                                                                         \
  void sprig_f32_bspmv_minmax_ukernel_1x##C##__scalar(                                                 \
      size_t nc, const float* input, const float* bias, const float* values, const uint16_t* block_cols, \
      const uint32_t* nblocks, float* output, const struct sprig_f32_minmax_params* params) {          \
    bspmv_rows(C, nc, input, bias, values, block_cols, nblocks, output, params);                        \
  }

DEFINE_SCALAR_BSPMV(4)
DEFINE_SCALAR_BSPMV(8)
