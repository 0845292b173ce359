/*
 * Scalar f32 block-sparse matrix-vector kernels, 1 x 4 and 1 x 8 blocks: per block C weight
 * loads, C input loads and C multiply-adds into C lane sums (the SIMD kernels' lanes), summed
 * with the bias at the end of the row. 1 x 1 blocks (CSR rows): per entry one weight load, one
 * column-gap byte load and add, one input load and a multiply-add into one of four sums taken in
 * turn (four add chains). The portable fallback and the model for the SIMD files.
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

/* 1 x 1 blocks: four sums take the entries in turn; columns are running sums of the gaps, from
 * -1 (as size_t, wrapping) at each row's start. */
static inline void csr_rows(size_t nc, const float* input, const float* bias, const float* w, const uint8_t* gaps,
                            const uint32_t* nblocks, float* output, const struct sprig_f32_minmax_params* params) {
  for (size_t n = 0; n < nc; n++) {
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    size_t col = SIZE_MAX;
    uint32_t left = nblocks[n];
    for (; left >= 4; left -= 4) {
      /* Prefix sums of the four gaps first, so `col` carries one add per four entries. */
      const size_t g01 = (size_t) gaps[0] + gaps[1];
      const size_t g012 = g01 + gaps[2];
      const size_t g0123 = g012 + gaps[3];
      s0 += w[0] * input[col + gaps[0]];
      s1 += w[1] * input[col + g01];
      s2 += w[2] * input[col + g012];
      col += g0123;
      s3 += w[3] * input[col];
      w += 4;
      gaps += 4;
    }
    for (; left != 0; left--) {
      col += *gaps++;
      s0 += *w++ * input[col];
    }
    output[n] = sprig_clamp_f32(bias[n] + ((s0 + s1) + (s2 + s3)), params->min, params->max);
  }
}

void sprig_f32_bspmv_minmax_ukernel_1x1__scalar(
    size_t nc, const float* input, const float* bias, const float* values, const void* block_index,
    const uint32_t* nblocks, float* output, const struct sprig_f32_minmax_params* params) {
  csr_rows(nc, input, bias, values, block_index, nblocks, output, params);
}

#define DEFINE_SCALAR_BSPMV(C)                                                                         \
  void sprig_f32_bspmv_minmax_ukernel_1x##C##__scalar(                                                 \
      size_t nc, const float* input, const float* bias, const float* values, const void* block_index, \
      const uint32_t* nblocks, float* output, const struct sprig_f32_minmax_params* params) {         \
    bspmv_rows(C, nc, input, bias, values, block_index, nblocks, output, params);                      \
  }

DEFINE_SCALAR_BSPMV(4)
DEFINE_SCALAR_BSPMV(8)
