/*
 * x86 SSE2 f32 depthwise convolution (src/sprig/dwconv.h): 4 pixels per xmm register; no FMA, so
 * a multiply-add is mulps + addps (the product rounded before the add, within the tests' bound).
 *
 * x loop: 4 vectors (16 pixels) per trip, then single vectors, then the last 1-3 pixels as one
 * partial vector (movss / movq + movss / movq, from isa/sse2.h), so nothing outside [0, width)
 * of a row is read or written. Inner loop per trip, GCC 12 -O3 (objdump):
 *   9 taps:  taps, bias and bounds held (12 of 16 xmm registers; the compiler spills a few):
 *            36 movups + 36 mulps + 36 addps, 10 movaps, 8 clamps, 4 stores, 3 loop: 133
 *            instructions, 33 per vector of output.
 *   25 taps: each trip broadcasts the taps (movss + shufps) once for its 4 vectors, five taps per
 *            loop trip: 5 x 84 + 33 = 453 per trip, 113 per vector.
 */
#include <emmintrin.h>

#include <isa/sse2.h>
#include <sprig/dwconv.h>

/* What x86-template.h needs of the ISA beyond isa/sse2.h (see the list there). */
#define VBROADCAST(p) _mm_load1_ps(p)
#define FULL_MASK width_full

#include "x86-template.h"

void sprig_f32_dwconv_minmax_ukernel_9p__sse2(size_t rows, size_t width, const float* input, size_t input_row_stride,
                                              const int32_t* offsets, const float* weights, float* output,
                                              size_t output_row_stride,
                                              const struct sprig_f32_minmax_params* params) {
  dwconv(9, 4, 1, rows, width, input, input_row_stride, offsets, weights, output, output_row_stride, params);
}

void sprig_f32_dwconv_minmax_ukernel_25p__sse2(size_t rows, size_t width, const float* input,
                                               size_t input_row_stride, const int32_t* offsets, const float* weights,
                                               float* output, size_t output_row_stride,
                                               const struct sprig_f32_minmax_params* params) {
  dwconv(25, 4, 0, rows, width, input, input_row_stride, offsets, weights, output, output_row_stride, params);
}
