/*
 * x86 AVX2 + FMA3 f32 depthwise convolution (src/sprig/dwconv.h): 8 pixels per ymm register.
 *
 * x loop: 4 vectors (32 pixels) per trip, then single vectors, then one vector through vmaskmovps
 * (masked-off lanes are neither read nor written and cannot fault). Inner loop per trip, GCC 12
 * -O3 (objdump):
 *   9 taps:  the bias, taps and clamp bounds held in 12 of the 16 ymm registers, 4 accumulators:
 *            36 vfmadd with the input load folded in, 4 vmovaps, 4 vmaxps + 4 vminps, 4 stores,
 *            add/cmp/jae: 55 instructions, 13.75 per vector of output.
 *   25 taps: the taps do not fit in 16 registers: each trip broadcasts them (vbroadcastss) once
 *            for its 4 vectors, five taps per loop trip, with the row pointers read from the
 *            stack: per 5 taps 20 vfmadd (loads folded), 5 vbroadcastss, 5 mov, 4 loop
 *            instructions; per trip 5 x 34 + 29 (accumulators, clamps, stores, loop) = 199,
 *            about 50 per vector.
 */
#include <immintrin.h>

#include <isa/avx2.h>
#include <sprig/dwconv.h>

/* What x86-template.h needs of the ISA beyond isa/avx2.h (see the list there). */
#define VBROADCAST(p) _mm256_broadcast_ss(p)
#define FULL_MASK _mm256_setzero_si256()

#include "x86-template.h"

void sprig_f32_dwconv_minmax_ukernel_9p__avx2(size_t rows, size_t width, const float* input, size_t input_row_stride,
                                              const int32_t* offsets, const float* weights, float* output,
                                              size_t output_row_stride,
                                              const struct sprig_f32_minmax_params* params) {
  dwconv(9, 4, 1, rows, width, input, input_row_stride, offsets, weights, output, output_row_stride, params);
}

void sprig_f32_dwconv_minmax_ukernel_25p__avx2(size_t rows, size_t width, const float* input,
                                               size_t input_row_stride, const int32_t* offsets, const float* weights,
                                               float* output, size_t output_row_stride,
                                               const struct sprig_f32_minmax_params* params) {
  dwconv(25, 4, 0, rows, width, input, input_row_stride, offsets, weights, output, output_row_stride, params);
}
