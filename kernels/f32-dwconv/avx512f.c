/*
 * x86 AVX-512F f32 depthwise convolution (src/sprig/dwconv.h): 16 pixels per zmm register, the
 * bias, the taps and the clamp bounds in registers for the whole call (25 + 3 of 32 for 5x5).
 *
 * x loop: 4 vectors (64 pixels) per trip, then single vectors, then one masked vector (masked-off
 * lanes are neither read nor written and cannot fault). Inner loop per trip, GCC 12 -O3
 * (objdump):
 *   9 taps:  36 vfmadd with the input load folded in, 4 vmovaps (accumulator = a tap copy, the
 *            first FMA adds the bias), 4 vmaxps + 4 vminps, 4 vmovups stores, add/cmp/jae:
 *            55 instructions, 13.75 per vector of output.
 *   25 taps: 100 vfmadd (loads folded), 14 mov reloading tap row pointers (25 pointers, 16
 *            general registers), the same 4 + 8 + 4 + 3 others: 133, 33.25 per vector.
 */
#include <immintrin.h>

#include <isa/avx512f.h>
#include <sprig/dwconv.h>

/* What x86-template.h needs of the ISA beyond isa/avx512f.h (see the list there). */
#define VBROADCAST(p) _mm512_set1_ps(*(p))
#define FULL_MASK TAIL_MASK(LANES)

#include "x86-template.h"

void sprig_f32_dwconv_minmax_ukernel_9p__avx512f(size_t rows, size_t width, const float* input,
                                                 size_t input_row_stride, const int32_t* offsets,
                                                 const float* weights, float* output, size_t output_row_stride,
                                                 const struct sprig_f32_minmax_params* params) {
  dwconv(9, 4, 1, rows, width, input, input_row_stride, offsets, weights, output, output_row_stride, params);
}

void sprig_f32_dwconv_minmax_ukernel_25p__avx512f(size_t rows, size_t width, const float* input,
                                                  size_t input_row_stride, const int32_t* offsets,
                                                  const float* weights, float* output, size_t output_row_stride,
                                                  const struct sprig_f32_minmax_params* params) {
  dwconv(25, 4, 1, rows, width, input, input_row_stride, offsets, weights, output, output_row_stride, params);
}
