/*
 * The 32-bit transpose kernels' loop (scalar.c, sse2.c, neon.h, wasmsimd.c): 4 x 4 blocks by the
 * shared driver (kernels/isa/transpose.h), the leftover rows and columns by the scalar kernel's
 * element loop (sprig_x32_transpose_edges). SPRIG_X32_TRANSPOSE_DRIVER(fn, BLOCK) defines a kernel.
 */
#ifndef SPRIG_X32_TRANSPOSE_DRIVER_H
#define SPRIG_X32_TRANSPOSE_DRIVER_H

#include <isa/transpose.h>
#include <sprig/transpose.h>

/* Row r of a block's input and row c of its output. */
static inline const uint32_t* sprig_x32_row(const uint32_t* base, size_t stride, size_t r) {
  return SPRIG_TRANSPOSE_CONST_ROW(uint32_t, base, stride, r);
}
static inline uint32_t* sprig_x32_out_row(uint32_t* base, size_t stride, size_t c) {
  return SPRIG_TRANSPOSE_ROW(uint32_t, base, stride, c);
}

#define SPRIG_X32_TRANSPOSE_DRIVER(fn, BLOCK) \
  SPRIG_TRANSPOSE_DRIVER(fn, uint32_t, 4, BLOCK, sprig_x32_transpose_edges)

#endif /* SPRIG_X32_TRANSPOSE_DRIVER_H */
