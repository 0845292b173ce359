/*
 * The loop over 4 x 4 blocks shared by every 32-bit transpose kernel (scalar.c, sse2.c, neon.h,
 * wasmsimd.c). A kernel file defines its block function
 *   static void BLOCK(const uint32_t* in, size_t input_stride, uint32_t* out, size_t output_stride):
 *     out row t, elements 0 .. 3  =  in rows 0 .. 3, element t    for t < 4,
 * then instantiates SPRIG_X32_TRANSPOSE_DRIVER(fn, BLOCK).
 *
 * Order: the side with the longer rows stride is walked four rows at a time, its rows
 * sequentially, the other side's rows across. Rows a multiple of 4 KiB apart share L1 sets (a
 * linear layer of 3072 or 4096 features), so walking sixteen or more of them at once evicts lines
 * before they are finished. The last rows % 4 rows and cols % 4 columns go to the scalar
 * kernel's element loop (sprig_x32_transpose_edges).
 */
#ifndef SPRIG_X32_TRANSPOSE_DRIVER_H
#define SPRIG_X32_TRANSPOSE_DRIVER_H

#include <sprig/x32-transpose.h>

/* The elements [r0, r1) x [c0, c1), one at a time (scalar.c). */
void sprig_x32_transpose_edges(size_t r0, size_t r1, size_t c0, size_t c1, const uint32_t* input, size_t input_stride,
                               uint32_t* output, size_t output_stride);

#define SPRIG_X32_TRANSPOSE_DRIVER(fn, BLOCK)                                                              \
  void fn(size_t rows, size_t cols, const uint32_t* input, size_t input_stride, uint32_t* output,          \
          size_t output_stride) {                                                                          \
    const size_t full_rows = rows & ~(size_t) 3, full_cols = cols & ~(size_t) 3;                           \
    if (input_stride >= output_stride) {                                                                   \
      for (size_t r = 0; r < full_rows; r += 4) {                                                          \
        const uint32_t* in = sprig_x32_row(input, input_stride, r);                                        \
        uint32_t* out = output + r;                                                                        \
        for (size_t c = 0; c < full_cols; c += 4) {                                                        \
          BLOCK(in, input_stride, out, output_stride);                                                     \
          in += 4;                                                                                         \
          out = sprig_x32_out_row(out, output_stride, 4);                                                  \
        }                                                                                                  \
      }                                                                                                    \
    } else {                                                                                               \
      for (size_t c = 0; c < full_cols; c += 4) {                                                          \
        const uint32_t* in = input + c;                                                                    \
        uint32_t* out = sprig_x32_out_row(output, output_stride, c);                                       \
        for (size_t r = 0; r < full_rows; r += 4) {                                                        \
          BLOCK(in, input_stride, out, output_stride);                                                     \
          in = sprig_x32_row(in, input_stride, 4);                                                         \
          out += 4;                                                                                        \
        }                                                                                                  \
      }                                                                                                    \
    }                                                                                                      \
    sprig_x32_transpose_edges(0, full_rows, full_cols, cols, input, input_stride, output, output_stride);  \
    sprig_x32_transpose_edges(full_rows, rows, 0, cols, input, input_stride, output, output_stride);       \
  }

#endif /* SPRIG_X32_TRANSPOSE_DRIVER_H */
