/*
 * The transpose kernel families, one per element size: x32 (f32 layout conversion, and the
 * linear operators' batch transposes in src/operators/linear.c: [batch][K] into the [K][batch]
 * rows the SpMM kernels read as pixels, and their [N][batch] output back into [batch][N]), x16
 * and x8 (f16 and int8 layout conversion, src/operators/convert.c). For each, with T its element
 * type (uint32_t, uint16_t, uint8_t):
 *
 *   transpose(rows, cols, input, input_stride, output, output_stride):
 *     output row c, element r  =  input row r, element c     for r < rows, c < cols,
 *   row r of the input at (const char*) input + r x input_stride, row c of the output at
 *   (char*) output + c x output_stride (strides in bytes, multiples of sizeof(T)).
 *
 * rows and cols may be 0; nothing outside those elements is read or written; elements need only
 * their type's alignment; input and output do not overlap. The bits are copied as they are.
 */
#ifndef SPRIG_TRANSPOSE_H
#define SPRIG_TRANSPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

/* The function type, kernel descriptor and kernel list of the family xN with element type T. */
#define SPRIG_DECLARE_TRANSPOSE_FAMILY(N, T)                                                                 \
  typedef void (*sprig_x##N##_transpose_ukernel_fn)(size_t rows, size_t cols, const T* input,               \
                                                    size_t input_stride, T* output, size_t output_stride);  \
  struct sprig_x##N##_transpose_ukernel {                                                                   \
    const char* name;                                                                                       \
    sprig_x##N##_transpose_ukernel_fn fn;                                                                   \
    enum sprig_isa isa;                                                                                     \
    /* The kernel an operator uses when this ISA is the best one allowed. */                                \
    bool is_default;                                                                                        \
  };                                                                                                        \
  /* Every kernel of this build, in list order (kernels/xN-transpose/list.inc). */                          \
  extern const struct sprig_x##N##_transpose_ukernel sprig_x##N##_transpose_ukernels[];                     \
  extern const size_t sprig_x##N##_transpose_ukernel_count;

SPRIG_DECLARE_TRANSPOSE_FAMILY(32, uint32_t)
SPRIG_DECLARE_TRANSPOSE_FAMILY(16, uint16_t)
SPRIG_DECLARE_TRANSPOSE_FAMILY(8, uint8_t)

#define SPRIG_X32_TRANSPOSE_UKERNEL(isa, is_default, fn)                                                    \
  void fn(size_t rows, size_t cols, const uint32_t* input, size_t input_stride, uint32_t* output, \
          size_t output_stride);
#include <x32-transpose/list.inc>
#undef SPRIG_X32_TRANSPOSE_UKERNEL

#define SPRIG_X16_TRANSPOSE_UKERNEL(isa, is_default, fn)                                                    \
  void fn(size_t rows, size_t cols, const uint16_t* input, size_t input_stride, uint16_t* output, \
          size_t output_stride);
#include <x16-transpose/list.inc>
#undef SPRIG_X16_TRANSPOSE_UKERNEL

#define SPRIG_X8_TRANSPOSE_UKERNEL(isa, is_default, fn)                                                     \
  void fn(size_t rows, size_t cols, const uint8_t* input, size_t input_stride, uint8_t* output,   \
          size_t output_stride);
#include <x8-transpose/list.inc>
#undef SPRIG_X8_TRANSPOSE_UKERNEL

#endif /* SPRIG_TRANSPOSE_H */
