/* x86 AVX2 32-bit transpose: per 8 x 8 block (kernels/isa/transpose.h) eight row loads, three
 * rounds -- vunpck{l,h}ps (rows 0 + 1, 2 + 3, ...), vshufps taking 64-bit halves (rows 0-1 +
 * 2-3, 4-5 + 6-7), vperm2f128 joining the 128-bit halves of rows 0-3 and 4-7 -- and eight row
 * stores. The rows and columns past the last whole 8 x 8 block go to the SSE2 kernel (4 x 4
 * blocks: batches of 4-7 rows, remainders of 4+). */
#include <immintrin.h>

#include "driver.h"

static inline void block_avx2(const uint32_t* in, size_t input_stride, uint32_t* out, size_t output_stride) {
  __m256 r[8], t[8], u[8];
  for (size_t i = 0; i < 8; i++) {
    r[i] = _mm256_loadu_ps((const float*) sprig_x32_row(in, input_stride, i));
  }
  /* t[2p]: columns 0, 1 | 4, 5 of rows 2p, 2p + 1 (interleaved); t[2p + 1]: columns 2, 3 | 6, 7. */
  for (size_t p = 0; p < 4; p++) {
    t[2 * p] = _mm256_unpacklo_ps(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm256_unpackhi_ps(r[2 * p], r[2 * p + 1]);
  }
  /* u[4h + j]: columns j | j + 4 of rows 4h .. 4h + 3. */
  for (size_t h = 0; h < 2; h++) {
    for (size_t j = 0; j < 2; j++) {
      const __m256 a = t[4 * h + j], b = t[4 * h + 2 + j];
      u[4 * h + 2 * j] = _mm256_shuffle_ps(a, b, 0x44);
      u[4 * h + 2 * j + 1] = _mm256_shuffle_ps(a, b, 0xEE);
    }
  }
  for (size_t c = 0; c < 4; c++) {
    _mm256_storeu_ps((float*) sprig_x32_out_row(out, output_stride, c), _mm256_permute2f128_ps(u[c], u[4 + c], 0x20));
    _mm256_storeu_ps((float*) sprig_x32_out_row(out, output_stride, c + 4),
                     _mm256_permute2f128_ps(u[c], u[4 + c], 0x31));
  }
}

/* The elements [r0, r1) x [c0, c1). */
static void edges_sse2(size_t r0, size_t r1, size_t c0, size_t c1, const uint32_t* input, size_t input_stride,
                       uint32_t* output, size_t output_stride) {
#if SPRIG_KERNELS_SSE2
  if (r0 == r1 || c0 == c1) {
    return;
  }
  sprig_x32_transpose_ukernel__sse2(r1 - r0, c1 - c0, sprig_x32_row(input, input_stride, r0) + c0, input_stride,
                                    sprig_x32_out_row(output, output_stride, c0) + r0, output_stride);
#else
  sprig_x32_transpose_edges(r0, r1, c0, c1, input, input_stride, output, output_stride);
#endif
}

SPRIG_TRANSPOSE_DRIVER(sprig_x32_transpose_ukernel__avx2, uint32_t, 8, block_avx2, edges_sse2)
