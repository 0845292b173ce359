/*
 * The f32 direct depthwise convolution microkernel family (kernels/f32-dwconv2d-chw): one channel
 * of a 3x3 or 5x5 depthwise layer read straight from its NCHW input plane, the zero padding
 * handled inside the kernel (no staged copy). For y < output_height, x < output_width:
 *   output[y][x] = clamp(weights[0] + sum_{ky, kx < K} weights[1 + ky*K + kx] *
 *                        in(y*S + ky - padding_top, x*S + kx - P), min, max)
 * where K is the kernel size (3 or 5), S the stride (1 or 2), P = (K - 1) / 2 the left padding
 * (fixed), in(r, c) = input[r * input_width + c] inside [0, input_height) x [0, input_width) and 0
 * outside. padding_top is 0 .. P; the bottom and right padding follow from output_height and
 * output_width, which the caller computes (each at most what a padding of P allows).
 *
 * zero:     at least input_width + 2 * K floats of zeros, which the kernel may read in place
 *           of rows above and below the input.
 * output:   output_height rows of output_width floats, contiguous.
 *
 * A kernel reads input[0 .. input_height * input_width) only (plus `zero`), never outside, and
 * writes exactly the output_height x output_width outputs.
 */
#ifndef SPRIG_DWCONV2D_CHW_H
#define SPRIG_DWCONV2D_CHW_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>
#include <sprig/spmm.h>

typedef void (*sprig_f32_dwconv2d_chw_ukernel_fn)(
    size_t input_height, size_t input_width, size_t output_height, size_t output_width, const float* input,
    const float* weights, const float* zero, float* output, uint32_t padding_top,
    const struct sprig_f32_minmax_params* params);

#define SPRIG_F32_DWCONV2D_CHW_UKERNEL(isa, kernel_size, stride, is_default, fn)                                 \
  void fn(size_t input_height, size_t input_width, size_t output_height, size_t output_width, const float* input, \
          const float* weights, const float* zero, float* output, uint32_t padding_top,                         \
          const struct sprig_f32_minmax_params* params);
#include <f32-dwconv2d-chw/list.inc>
#undef SPRIG_F32_DWCONV2D_CHW_UKERNEL

struct sprig_f32_dwconv2d_chw_ukernel {
  const char* name;
  sprig_f32_dwconv2d_chw_ukernel_fn fn;
  enum sprig_isa isa;
  uint32_t kernel_size;
  uint32_t stride;
  bool is_default;
};

/* Every kernel of this build, in list order (kernels/f32-dwconv2d-chw/list.inc). */
extern const struct sprig_f32_dwconv2d_chw_ukernel sprig_f32_dwconv2d_chw_ukernels[];
extern const size_t sprig_f32_dwconv2d_chw_ukernel_count;

#endif /* SPRIG_DWCONV2D_CHW_H */
