/*
 * The f32 depthwise convolution microkernel family (kernels/f32-dwconv): one output channel of
 * a depthwise layer whose kernel has TAPS taps (9: 3x3, 25: 5x5; any stride and dilation, which
 * the staging in src/operators/path-conv.c turns into tap offsets). For y < rows, x < width:
 *   output[y][x] = clamp(weights[0] + sum_{t < TAPS} weights[1 + t] * at(input, y, t)[x], min, max)
 * with at(input, y, t) = (const float*) ((const char*) input + y * input_row_stride + offsets[t]).
 *
 * weights:  the bias, then the TAPS weights of the channel (zeros included: dense).
 * offsets:  TAPS signed byte offsets (multiples of 4).
 * output:   rows output_row_stride bytes apart.
 *
 * A kernel reads only at(input, y, t)[0 .. width) and writes only output[y][0 .. width).
 */
#ifndef SPRIG_DWCONV_H
#define SPRIG_DWCONV_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>
#include <sprig/spmm.h>

typedef void (*sprig_f32_dwconv_ukernel_fn)(
    size_t rows, size_t width, const float* input, size_t input_row_stride, const int32_t* offsets,
    const float* weights, float* output, size_t output_row_stride, const struct sprig_f32_minmax_params* params);

#define SPRIG_F32_DWCONV_UKERNEL(isa, taps, is_default, fn)                                                \
  void fn(size_t rows, size_t width, const float* input, size_t input_row_stride, const int32_t* offsets, \
          const float* weights, float* output, size_t output_row_stride,                                  \
          const struct sprig_f32_minmax_params* params);
#include <f32-dwconv/list.inc>
#undef SPRIG_F32_DWCONV_UKERNEL

struct sprig_f32_dwconv_ukernel {
  const char* name;
  sprig_f32_dwconv_ukernel_fn fn;
  enum sprig_isa isa;
  uint32_t taps;
  bool is_default;
};

/* Every kernel of this build, in list order (kernels/f32-dwconv/list.inc). */
extern const struct sprig_f32_dwconv_ukernel sprig_f32_dwconv_ukernels[];
extern const size_t sprig_f32_dwconv_ukernel_count;

#endif /* SPRIG_DWCONV_H */
