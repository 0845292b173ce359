/*
 * Scalar int8 direct depthwise convolution (src/sprig/qs8-dwconv2d-chw.h): one output at a time,
 * straight from the int8 plane (no scratch): the taps whose input pixel lies in the plane, each
 * an int32 product of (x - input_zero_point) and the weight; then the scalar requantization's
 * steps (kernels/qs8-requant/scalar.c: clamp, then sprig_round_small_to_even).
 */
#include <isa/scalar.h>
#include <sprig/qs8-dwconv2d-chw.h>

#define INLINE static inline __attribute__((always_inline))

INLINE int8_t requantize(uint32_t acc, float scale, const struct sprig_qs8_requant_params* p) {
  const float v = sprig_clamp_f32((float) (int32_t) acc * scale, p->lowest, p->highest);
  return (int8_t) (sprig_round_small_to_even(v) + p->zero_point);
}

/* The K x K window's sum at output (y, x); rows and columns outside the plane skipped. */
INLINE uint32_t window_sum(size_t k, size_t s, size_t input_height, size_t input_width, const int8_t* input,
                           const int8_t* weights, size_t y, size_t x, uint32_t padding_top, int32_t zero_point) {
  const size_t p = (k - 1) / 2;
  uint32_t acc = 0;
  for (size_t ky = 0; ky < k; ky++) {
    const size_t r = y * s + ky;
    if (r < padding_top || r - padding_top >= input_height) {
      continue;
    }
    const int8_t* row = input + (r - padding_top) * input_width;
    for (size_t kx = 0; kx < k; kx++) {
      const size_t c = x * s + kx;
      if (c >= p && c - p < input_width) {
        acc += (uint32_t) ((int32_t) weights[ky * k + kx] * ((int32_t) row[c - p] - zero_point));
      }
    }
  }
  return acc;
}

INLINE void dwconv(size_t k, size_t s, size_t input_height, size_t input_width, size_t output_height,
                   size_t output_width, const int8_t* input, const int8_t* weights, int32_t bias, float scale,
                   int8_t* output, uint32_t padding_top, const struct sprig_qs8_dwconv2d_chw_params* params) {
  for (size_t y = 0; y < output_height; y++) {
    for (size_t x = 0; x < output_width; x++) {
      const uint32_t sum = window_sum(k, s, input_height, input_width, input, weights, y, x, padding_top,
                                      params->input_zero_point);
      output[y * output_width + x] = requantize((uint32_t) bias + sum, scale, &params->requant);
    }
  }
}

#define DEFINE_KERNEL(kernel, stride)                                                              \
  void sprig_qs8_dwconv2d_chw_ukernel_##kernel##x##kernel##s##stride##__scalar(                    \
      size_t input_height, size_t input_width, size_t output_height, size_t output_width,          \
      const int8_t* input, const int8_t* weights, int32_t bias, float scale, int8_t* output,       \
      uint32_t padding_top, void* scratch, const struct sprig_qs8_dwconv2d_chw_params* params) {   \
    (void) scratch;                                                                                \
    dwconv(kernel, stride, input_height, input_width, output_height, output_width, input, weights, \
           bias, scale, output, padding_top, params);                                              \
  }

DEFINE_KERNEL(3, 1)
DEFINE_KERNEL(3, 2)
DEFINE_KERNEL(5, 1)
DEFINE_KERNEL(5, 2)
