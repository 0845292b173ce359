/*
 * Scalar f32 N:M SpMM: MR accumulators per channel; per stored weight one value load, one index
 * byte, an address multiply-add and MR input loads. The portable fallback and the model for the
 * SIMD kernels.
 */
#include <isa/scalar.h>
#include <sprig/nmspmm.h>

/* One tile of `mr` pixels; one pixel takes the slots in turn into four sums (four add chains,
 * as for a matrix-vector product), summed at the end of the channel. */
static inline void nmspmm_tile(
    size_t mr, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,
    const float* weights, const uint8_t* indices, float* output, size_t output_stride, float lo, float hi) {
  const size_t group_stride = m * row_stride;
  const size_t sets = mr == 1 ? 4 : 1;
  for (size_t c = 0; c < nc; c++) {
    float acc[4][8];
    const float bias = *weights++;
    for (size_t i = 0; i < mr; i++) {
      acc[0][i] = bias;
      for (size_t k = 1; k < sets; k++) {
        acc[k][i] = 0.0f;
      }
    }
    const char* group_input = (const char*) input;
    size_t slot = 0;
    for (size_t g = 0; g < groups; g++) {
      for (size_t j = 0; j < n; j++, slot++) {
        const float w = *weights++;
        const float* x = (const float*) (group_input + (size_t) *indices++ * row_stride);
        for (size_t i = 0; i < mr; i++) {
          acc[slot % sets][i] += w * x[i];
        }
      }
      group_input += group_stride;
    }
    for (size_t i = 0; i < mr; i++) {
      float sum = acc[0][i];
      if (sets == 4) {
        sum += (acc[1][i] + acc[2][i]) + acc[3][i];
      }
      output[i] = sprig_clamp_f32(sum, lo, hi);
    }
    output = (float*) ((char*) output + output_stride);
  }
}

static inline void nmspmm_all_tiles(
    size_t mr, size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,
    const float* weights, const uint8_t* indices, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    nmspmm_tile(mr, nc, groups, n, m, input + p, row_stride, weights, indices, output + p, output_stride,
                params->min, params->max);
  }
  for (size_t tile = mr / 2; tile != 0; tile /= 2) {
    if (mc - p >= tile) {
      nmspmm_tile(tile, nc, groups, n, m, input + p, row_stride, weights, indices, output + p, output_stride,
                  params->min, params->max);
      p += tile;
    }
  }
}

#define DEFINE_SCALAR_NMSPMM(MR)                                                                       \
  _Static_assert(MR <= 8, "scalar tiles hold at most 8 accumulators per channel");                 \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__scalar(                                               \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,   \
      const float* weights, const uint8_t* indices, float* output, size_t output_stride,               \
      const struct sprig_f32_minmax_params* params) {                                                  \
    nmspmm_all_tiles(MR, mc, nc, groups, n, m, input, row_stride, weights, indices, output, output_stride, \
                     params);                                                                          \
  }

DEFINE_SCALAR_NMSPMM(1)
DEFINE_SCALAR_NMSPMM(4)
DEFINE_SCALAR_NMSPMM(8)
