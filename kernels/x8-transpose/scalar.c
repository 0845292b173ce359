/* Scalar 8-bit transpose: 8 x 8 blocks (kernels/isa/transpose.h) -- on little-endian targets
 * eight 64-bit row words and three rounds of unit swaps, else 64 element copies -- and the
 * element loop every 8-bit kernel's edges take. Scalar kernels are built without
 * auto-vectorization. */
#include <isa/transpose.h>
#include <sprig/transpose.h>

SPRIG_TRANSPOSE_EDGES(sprig_x8_transpose_edges, uint8_t)

static inline void block_scalar(const uint8_t* in, size_t input_stride, uint8_t* out, size_t output_stride) {
#ifdef SPRIG_TRANSPOSE_WORD_BLOCKS
  uint64_t r[8];
  sprig_transpose_load_words(r, 8, in, input_stride);
  for (size_t i = 0; i < 8; i += 2) {
    sprig_transpose_swap_units(&r[i], &r[i + 1], 8, UINT64_C(0x00FF00FF00FF00FF));
  }
  for (size_t i = 0; i < 8; i += 4) {
    sprig_transpose_swap_units(&r[i], &r[i + 2], 16, UINT64_C(0x0000FFFF0000FFFF));
    sprig_transpose_swap_units(&r[i + 1], &r[i + 3], 16, UINT64_C(0x0000FFFF0000FFFF));
  }
  for (size_t i = 0; i < 4; i++) {
    sprig_transpose_swap_units(&r[i], &r[i + 4], 32, UINT64_C(0x00000000FFFFFFFF));
  }
  sprig_transpose_store_words(r, 8, out, output_stride);
#else
  sprig_x8_transpose_edges(0, 8, 0, 8, in, input_stride, out, output_stride);
#endif
}

SPRIG_TRANSPOSE_DRIVER(sprig_x8_transpose_ukernel__scalar, uint8_t, 8, block_scalar, sprig_x8_transpose_edges)
