/*
 * The int8 direct depthwise convolution microkernel family (kernels/qs8-dwconv2d-chw): one
 * channel of a 3x3 or 5x5 depthwise qs8 layer, int8 NCHW plane in, int8 plane out, the padding
 * handled inside the kernel. For y < output_height, x < output_width:
 *   acc = bias + sum_{ky, kx < K} weights[ky*K + kx] * (in(y*S + ky - padding_top, x*S + kx - P)
 *                                                     - input_zero_point)
 *   output[y][x] = rne(clamp((float) acc * scale, lowest, highest)) + zero_point
 * in int32 (exact: |acc - bias| <= 25 x 255 x 128 < 2^20, the bias wraps as uint32 would), then
 * the qs8 requantization's float steps (src/sprig/qs8-requant.h: one f32 multiply, the clamp,
 * rounding to nearest even), so that every kernel gives bit-identical outputs. K is the kernel
 * size (3 or 5), S the stride (1 or 2), P = (K - 1) / 2 the left padding (fixed); in(r, c) is
 * input[r * input_width + c] inside the plane and input_zero_point outside (the padding
 * contributes 0, as the im2col of the other int8 convolutions pads). padding_top is 0 .. P; the
 * bottom and right padding follow from output_height and output_width (each at most what a
 * padding of P allows).
 *
 * scratch:  sprig_qs8_dwconv2d_chw_scratch_bytes(...) bytes, 64-byte aligned, the kernel's own
 *           (the SIMD kernels interleave the padded plane there in the form their multiply
 *           wants, and most compute their outputs there before copying the rows out; its
 *           contents before and after a call mean nothing).
 * A kernel reads input[0 .. input_height * input_width) only, never outside, and writes exactly
 * the output_height x output_width outputs (contiguous rows).
 */
#ifndef SPRIG_QS8_DWCONV2D_CHW_H
#define SPRIG_QS8_DWCONV2D_CHW_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>
#include <sprig/qs8-requant.h>

struct sprig_qs8_dwconv2d_chw_params {
  int32_t input_zero_point;                 /* -128 .. 127 */
  struct sprig_qs8_requant_params requant;  /* lowest, highest and the output zero point */
};

typedef void (*sprig_qs8_dwconv2d_chw_ukernel_fn)(
    size_t input_height, size_t input_width, size_t output_height, size_t output_width, const int8_t* input,
    const int8_t* weights, int32_t bias, float scale, int8_t* output, uint32_t padding_top, void* scratch,
    const struct sprig_qs8_dwconv2d_chw_params* params);

/* The scratch every kernel of the family needs at most for one call, in bytes: for the widened
 * plane, 4 x ((H + 2) x (input_width + 2K + 2) + 384) with H = (output_height - 1) x S + K the
 * padded rows read; for the outputs, output_height x (input_width + 2K) + 32; for a row of zero
 * points and a copy of the plane's last rows, 2 x input_width + 128; SIZE_MAX when that
 * overflows. */
static inline size_t sprig_qs8_dwconv2d_chw_scratch_bytes(size_t input_width, size_t output_height,
                                                          size_t kernel_size, size_t stride) {
  if (input_width > SIZE_MAX / 64 || output_height > SIZE_MAX / 64 / stride) {
    return SIZE_MAX;
  }
  const size_t rows = (output_height - 1) * stride + kernel_size + 2, width = input_width + 2 * kernel_size + 2;
  if (rows > (SIZE_MAX / 8 - 1024) / width) {
    return SIZE_MAX;
  }
  const size_t bytes = 4 * (rows * width + 384) + output_height * width + 32 + 2 * input_width + 128;
  return (bytes + 63) / 64 * 64;
}

/* bias - offset x sum(weights[0 .. K x K)), wrapping as uint32 (the header's sum): the bias of a
 * kernel that multiplies the weights by the input plus `offset` - input_zero_point (offset =
 * input_zero_point for signed input, input_zero_point + 128 for the input + 128 as unsigned
 * bytes) instead of by (input - input_zero_point). */
static inline int32_t sprig_qs8_dwconv2d_chw_folded_bias(int32_t bias, int32_t offset, size_t kernel_size,
                                                         const int8_t* weights) {
  uint32_t weight_sum = 0;
  for (size_t t = 0; t < kernel_size * kernel_size; t++) {
    weight_sum += (uint32_t) (int32_t) weights[t];
  }
  return (int32_t) ((uint32_t) bias - (uint32_t) offset * weight_sum);
}

#define SPRIG_QS8_DWCONV2D_CHW_UKERNEL(isa, kernel_size, stride, fn)                                              \
  void fn(size_t input_height, size_t input_width, size_t output_height, size_t output_width, const int8_t* input, \
          const int8_t* weights, int32_t bias, float scale, int8_t* output, uint32_t padding_top, void* scratch,  \
          const struct sprig_qs8_dwconv2d_chw_params* params);
#include <qs8-dwconv2d-chw/list.inc>
#undef SPRIG_QS8_DWCONV2D_CHW_UKERNEL

struct sprig_qs8_dwconv2d_chw_ukernel {
  const char* name;
  sprig_qs8_dwconv2d_chw_ukernel_fn fn;
  enum sprig_isa isa;
  uint32_t kernel_size;
  uint32_t stride;
};

/* Every kernel of this build, in list order (kernels/qs8-dwconv2d-chw/list.inc). */
extern const struct sprig_qs8_dwconv2d_chw_ukernel sprig_qs8_dwconv2d_chw_ukernels[];
extern const size_t sprig_qs8_dwconv2d_chw_ukernel_count;

#endif /* SPRIG_QS8_DWCONV2D_CHW_H */
