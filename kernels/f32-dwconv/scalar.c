/*
 * Scalar f32 depthwise convolution (src/sprig/dwconv.h): the channel's taps held in locals, four
 * output pixels at a time. The portable fallback.
 */
#include <isa/scalar.h>
#include <sprig/dwconv.h>

#define INLINE static inline __attribute__((always_inline))

INLINE void dwconv(size_t taps, size_t rows, size_t width, const float* input, size_t input_row_stride,
                   const int32_t* offsets, const float* weights, float* output, size_t output_row_stride,
                   const struct sprig_f32_minmax_params* params) {
  const float lo = params->min, hi = params->max;
  for (size_t y = 0; y < rows; y++) {
    const char* row = (const char*) input + y * input_row_stride;
    float* out = (float*) ((char*) output + y * output_row_stride);
    size_t x = 0;
    for (; x + 4 <= width; x += 4) {
      float acc[4] = {weights[0], weights[0], weights[0], weights[0]};
      for (size_t t = 0; t < taps; t++) {
        const float* in = (const float*) (row + offsets[t]) + x;
        const float w = weights[1 + t];
        for (size_t i = 0; i < 4; i++) {
          acc[i] += w * in[i];
        }
      }
      for (size_t i = 0; i < 4; i++) {
        out[x + i] = sprig_clamp_f32(acc[i], lo, hi);
      }
    }
    for (; x < width; x++) {
      float acc = weights[0];
      for (size_t t = 0; t < taps; t++) {
        acc += weights[1 + t] * ((const float*) (row + offsets[t]))[x];
      }
      out[x] = sprig_clamp_f32(acc, lo, hi);
    }
  }
}

void sprig_f32_dwconv_minmax_ukernel_9p__scalar(size_t rows, size_t width, const float* input,
                                                size_t input_row_stride, const int32_t* offsets, const float* weights,
                                                float* output, size_t output_row_stride,
                                                const struct sprig_f32_minmax_params* params) {
  dwconv(9, rows, width, input, input_row_stride, offsets, weights, output, output_row_stride, params);
}

void sprig_f32_dwconv_minmax_ukernel_25p__scalar(size_t rows, size_t width, const float* input,
                                                 size_t input_row_stride, const int32_t* offsets,
                                                 const float* weights, float* output, size_t output_row_stride,
                                                 const struct sprig_f32_minmax_params* params) {
  dwconv(25, rows, width, input, input_row_stride, offsets, weights, output, output_row_stride, params);
}
