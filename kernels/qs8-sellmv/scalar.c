/*
 * Scalar int8 sliced matrix-vector kernel: per slice, C int32 sums; per slot, each row's four
 * weights times its quad's four input bytes. Sums wrap (uint32_t arithmetic, no signed
 * overflow). The portable fallback and the plain statement of the contract.
 */
#include <string.h>

#include <sprig/qs8-sellmv.h>

#define C 8

void sprig_qs8_sellmv_ukernel_8c4__scalar(size_t nc, const int8_t* input, const int8_t* weights,
                                          const uint16_t* offsets, const uint32_t* widths, const uint32_t* quad_base,
                                          int32_t* output) {
  for (size_t r = 0; r < nc; r += C) {
    const int8_t* x = input + 4 * (size_t) *quad_base++;
    uint32_t acc[C];
    memset(acc, 0, sizeof(acc));
    for (uint32_t k = *widths++; k != 0; k--) {
      for (size_t j = 0; j < C; j++) {
        const int8_t* px = x + 4 * (size_t) offsets[j];
        const int8_t* w = weights + 4 * j;
        acc[j] += (uint32_t) (w[0] * px[0] + w[1] * px[1] + w[2] * px[2] + w[3] * px[3]);
      }
      weights += 4 * C;
      offsets += C;
    }
    const size_t rows = nc - r < C ? nc - r : C;
    for (size_t j = 0; j < rows; j++) {
      output[r + j] = (int32_t) acc[j];
    }
  }
}
