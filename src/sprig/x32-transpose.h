/*
 * The 32-bit transpose kernel family: a block of 32-bit elements into its transpose, for the
 * linear operators' batch transposes (src/operators/linear.c: [batch][K] into the [K][batch] rows
 * the SpMM kernels read as pixels, and their [N][batch] output back into [batch][N]).
 *
 *   transpose(rows, cols, input, input_stride, output, output_stride):
 *     output row c, element r  =  input row r, element c     for r < rows, c < cols,
 *   row r of the input at (const char*) input + r x input_stride, row c of the output at
 *   (char*) output + c x output_stride (strides in bytes, multiples of 4).
 *
 * rows and cols may be 0; nothing outside those elements is read or written; elements need only
 * 4-byte alignment; input and output do not overlap. The bits are copied as they are.
 */
#ifndef SPRIG_X32_TRANSPOSE_H
#define SPRIG_X32_TRANSPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

typedef void (*sprig_x32_transpose_ukernel_fn)(size_t rows, size_t cols, const uint32_t* input, size_t input_stride,
                                               uint32_t* output, size_t output_stride);

#define SPRIG_X32_TRANSPOSE_UKERNEL(isa, is_default, fn)                                                    \
  void fn(size_t rows, size_t cols, const uint32_t* input, size_t input_stride, uint32_t* output, \
          size_t output_stride);
#include <x32-transpose/list.inc>
#undef SPRIG_X32_TRANSPOSE_UKERNEL

struct sprig_x32_transpose_ukernel {
  const char* name;
  sprig_x32_transpose_ukernel_fn fn;
  enum sprig_isa isa;
  /* The kernel an operator uses when this ISA is the best one allowed. */
  bool is_default;
};

/* Every kernel of this build, in list order (kernels/x32-transpose/list.inc). */
extern const struct sprig_x32_transpose_ukernel sprig_x32_transpose_ukernels[];
extern const size_t sprig_x32_transpose_ukernel_count;

/* Row r of a transpose's input and row c of its output (the kernels' addressing). */
static inline const uint32_t* sprig_x32_row(const uint32_t* base, size_t stride, size_t r) {
  return (const uint32_t*) ((const char*) base + r * stride);
}
static inline uint32_t* sprig_x32_out_row(uint32_t* base, size_t stride, size_t c) {
  return (uint32_t*) ((char*) base + c * stride);
}

#endif /* SPRIG_X32_TRANSPOSE_H */
