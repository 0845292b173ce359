/*
 * Scalar f32 SpMM: MR accumulators per output channel, one weight load and MR input loads
 * per nonzero. The portable fallback, and the remainder handler's model for SIMD kernels.
 */
#include <sprig/spmm.h>

static inline float clamp(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

/* One tile of `mr` pixels (mr is a compile-time constant at every call site below, so the
 * accumulator array lives in registers). */
static inline void spmm_tile(
    size_t mr, size_t nc, const float* input, const float* weights, const int32_t* deltas,
    const uint32_t* nnz, float* output, size_t output_stride, float lo, float hi) {
  for (size_t n = 0; n < nc; n++) {
    float acc[8];
    const float bias = *weights++;
    for (size_t i = 0; i < mr; i++) {
      acc[i] = bias;
    }
    for (uint32_t j = nnz[n]; j != 0; j--) {
      const float w = *weights++;
      for (size_t i = 0; i < mr; i++) {
        acc[i] += w * input[i];
      }
      input = (const float*) ((uintptr_t) input + (uintptr_t) (intptr_t) *deltas++);
    }
    for (size_t i = 0; i < mr; i++) {
      output[i] = clamp(acc[i], lo, hi);
    }
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

/* Walks the pixels in tiles of `mr`, then halves the tile for the remainder. */
static inline void spmm_all_tiles(
    size_t mr, size_t mc, size_t nc, const float* input, const float* weights, const int32_t* deltas,
    const uint32_t* nnz, float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const float lo = params->min;
  const float hi = params->max;
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    spmm_tile(mr, nc, input + p, weights, deltas, nnz, output + p, output_stride, lo, hi);
  }
  for (size_t tile = mr / 2; tile != 0; tile /= 2) {
    if (mc - p >= tile) {
      spmm_tile(tile, nc, input + p, weights, deltas, nnz, output + p, output_stride, lo, hi);
      p += tile;
    }
  }
}

#define DEFINE_SCALAR_SPMM(MR)                                                                        \
  void sprig_f32_spmm_minmax_ukernel_##MR##x1__scalar(                                                \
      size_t mc, size_t nc, const float* input, const float* weights, const int32_t* input_deltas,   \
      const uint32_t* nnz, float* output, size_t output_stride,                                       \
      const struct sprig_f32_minmax_params* params) {                                                 \
    spmm_all_tiles(MR, mc, nc, input, weights, input_deltas, nnz, output, output_stride, params);    \
  }

DEFINE_SCALAR_SPMM(1)
DEFINE_SCALAR_SPMM(2)
DEFINE_SCALAR_SPMM(4)
DEFINE_SCALAR_SPMM(8)
