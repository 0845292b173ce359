/* Scalar 16-bit transpose: 4 x 4 blocks (kernels/isa/transpose.h) -- on little-endian targets
 * four 64-bit row words and two rounds of unit swaps, else sixteen element copies -- and the
 * element loop every 16-bit kernel's edges take. Scalar kernels are built without
 * auto-vectorization. */
#include <isa/transpose.h>
#include <sprig/transpose.h>

SPRIG_TRANSPOSE_EDGES(sprig_x16_transpose_edges, uint16_t)

static inline void block_scalar(const uint16_t* in, size_t input_stride, uint16_t* out, size_t output_stride) {
#ifdef SPRIG_TRANSPOSE_WORD_BLOCKS
  uint64_t r[4];
  sprig_transpose_load_words(r, 4, in, input_stride);
  sprig_transpose_swap_units(&r[0], &r[1], 16, UINT64_C(0x0000FFFF0000FFFF));
  sprig_transpose_swap_units(&r[2], &r[3], 16, UINT64_C(0x0000FFFF0000FFFF));
  sprig_transpose_swap_units(&r[0], &r[2], 32, UINT64_C(0x00000000FFFFFFFF));
  sprig_transpose_swap_units(&r[1], &r[3], 32, UINT64_C(0x00000000FFFFFFFF));
  sprig_transpose_store_words(r, 4, out, output_stride);
#else
  sprig_x16_transpose_edges(0, 4, 0, 4, in, input_stride, out, output_stride);
#endif
}

SPRIG_TRANSPOSE_DRIVER(sprig_x16_transpose_ukernel__scalar, uint16_t, 4, block_scalar, sprig_x16_transpose_edges)
