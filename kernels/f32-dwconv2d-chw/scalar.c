/*
 * Scalar f32 direct depthwise convolution (src/sprig/dwconv2d-chw.h): per output row, the K
 * input rows (the zero row where a row is padding), the columns outside the input skipped.
 * The portable fallback.
 */
#include <isa/scalar.h>
#include <sprig/dwconv2d-chw.h>

#define INLINE static inline __attribute__((always_inline))

INLINE void dwconv2d_chw(size_t k, size_t s, size_t input_height, size_t input_width, size_t output_height,
                         size_t output_width, const float* input, const float* weights, const float* zero,
                         float* output, uint32_t padding_top, const struct sprig_f32_minmax_params* params) {
  const size_t p = (k - 1) / 2;
  const float lo = params->min, hi = params->max;
  for (size_t y = 0; y < output_height; y++) {
    const float* rows[5];
    for (size_t ky = 0; ky < k; ky++) {
      const size_t r = y * s + ky;
      rows[ky] = r < padding_top || r - padding_top >= input_height ? zero : input + (r - padding_top) * input_width;
    }
    for (size_t x = 0; x < output_width; x++) {
      float acc = weights[0];
      for (size_t kx = 0; kx < k; kx++) {
        const size_t c = x * s + kx;
        if (c < p || c - p >= input_width) {
          continue;
        }
        for (size_t ky = 0; ky < k; ky++) {
          acc += weights[1 + ky * k + kx] * rows[ky][c - p];
        }
      }
      output[y * output_width + x] = sprig_clamp_f32(acc, lo, hi);
    }
  }
}

#define DEFINE_KERNEL(k, stride)                                                                                       \
  void sprig_f32_dwconv2d_chw_minmax_ukernel_##k##x##k##s##stride##__scalar(                                          \
      size_t input_height, size_t input_width, size_t output_height, size_t output_width, const float* input,     \
      const float* weights, const float* zero, float* output, uint32_t padding_top,                             \
      const struct sprig_f32_minmax_params* params) {                                                             \
    dwconv2d_chw(k, stride, input_height, input_width, output_height, output_width, input, weights, zero, output,      \
                 padding_top, params);                                                                            \
  }

DEFINE_KERNEL(3, 1)
DEFINE_KERNEL(3, 2)
DEFINE_KERNEL(5, 1)
DEFINE_KERNEL(5, 2)
