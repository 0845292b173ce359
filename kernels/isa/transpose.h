/*
 * The block loop shared by the transpose kernel families (x32-, x16-, x8-transpose: the contract
 * is in src/sprig/transpose.h, the same for each element type). A kernel file defines its
 * block function
 *   static void BLOCK(const T* in, size_t input_stride, T* out, size_t output_stride):
 *     out row t, elements 0 .. B-1  =  in rows 0 .. B-1, element t    for t < B,
 * (strides in bytes) and instantiates SPRIG_TRANSPOSE_DRIVER(fn, T, B, BLOCK, EDGES), EDGES being
 * the family's element loop (defined once per family by SPRIG_TRANSPOSE_EDGES, in its scalar.c).
 *
 * Order: the side with the longer rows stride is walked B rows at a time, its rows sequentially,
 * the other side's rows across. Rows a multiple of 4 KiB apart share L1 sets (a linear layer of
 * 3072 or 4096 features), so walking sixteen or more of them at once evicts lines before they are
 * finished. The last rows % B rows and cols % B columns go to EDGES.
 */
#ifndef SPRIG_ISA_TRANSPOSE_H
#define SPRIG_ISA_TRANSPOSE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Row r of a T matrix whose rows are `stride` bytes apart. */
#define SPRIG_TRANSPOSE_ROW(T, base, stride, r) ((T*) ((char*) (base) + (r) * (stride)))
#define SPRIG_TRANSPOSE_CONST_ROW(T, base, stride, r) ((const T*) ((const char*) (base) + (r) * (stride)))

/* EDGES(r0, r1, c0, c1, input, input_stride, output, output_stride): the elements [r0, r1) x
 * [c0, c1), one at a time. */
#define SPRIG_TRANSPOSE_EDGES(edges, T)                                                                    \
  void edges(size_t r0, size_t r1, size_t c0, size_t c1, const T* input, size_t input_stride, T* output,   \
             size_t output_stride) {                                                                       \
    for (size_t c = c0; c < c1; c++) {                                                                     \
      T* out = SPRIG_TRANSPOSE_ROW(T, output, output_stride, c);                                           \
      for (size_t r = r0; r < r1; r++) {                                                                   \
        out[r] = SPRIG_TRANSPOSE_CONST_ROW(T, input, input_stride, r)[c];                                  \
      }                                                                                                    \
    }                                                                                                      \
  }

/* The families' element loops (each family's scalar.c). */
void sprig_x32_transpose_edges(size_t r0, size_t r1, size_t c0, size_t c1, const uint32_t* input, size_t input_stride,
                               uint32_t* output, size_t output_stride);
void sprig_x16_transpose_edges(size_t r0, size_t r1, size_t c0, size_t c1, const uint16_t* input, size_t input_stride,
                               uint16_t* output, size_t output_stride);
void sprig_x8_transpose_edges(size_t r0, size_t r1, size_t c0, size_t c1, const uint8_t* input, size_t input_stride,
                              uint8_t* output, size_t output_stride);

#define SPRIG_TRANSPOSE_DRIVER(fn, T, B, BLOCK, EDGES)                                                       \
  void fn(size_t rows, size_t cols, const T* input, size_t input_stride, T* output, size_t output_stride) { \
    const size_t full_rows = rows - rows % (B), full_cols = cols - cols % (B);                               \
    if (input_stride >= output_stride) {                                                                     \
      for (size_t r = 0; r < full_rows; r += (B)) {                                                          \
        const T* in = SPRIG_TRANSPOSE_CONST_ROW(T, input, input_stride, r);                                  \
        T* out = output + r;                                                                                 \
        for (size_t c = 0; c < full_cols; c += (B)) {                                                        \
          BLOCK(in, input_stride, out, output_stride);                                                       \
          in += (B);                                                                                         \
          out = SPRIG_TRANSPOSE_ROW(T, out, output_stride, B);                                               \
        }                                                                                                    \
      }                                                                                                      \
    } else {                                                                                                 \
      for (size_t c = 0; c < full_cols; c += (B)) {                                                          \
        const T* in = input + c;                                                                             \
        T* out = SPRIG_TRANSPOSE_ROW(T, output, output_stride, c);                                           \
        for (size_t r = 0; r < full_rows; r += (B)) {                                                        \
          BLOCK(in, input_stride, out, output_stride);                                                       \
          in = SPRIG_TRANSPOSE_CONST_ROW(T, in, input_stride, B);                                            \
          out += (B);                                                                                        \
        }                                                                                                    \
      }                                                                                                      \
    }                                                                                                        \
    EDGES(0, full_rows, full_cols, cols, input, input_stride, output, output_stride);                        \
    EDGES(full_rows, rows, 0, cols, input, input_stride, output, output_stride);                             \
  }

/* The scalar 16- and 8-bit blocks (kernels/x16-transpose/scalar.c, x8-transpose/scalar.c) hold
 * a block's rows as 64-bit words on little-endian targets and transpose them in rounds that swap
 * the off-diagonal halves of 2 x 2 sub-blocks; big-endian targets copy element by element. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SPRIG_TRANSPOSE_WORD_BLOCKS 1
#endif

/* Rows 0 .. n-1 of a block (8 bytes each, `stride` bytes apart) to words r[0 .. n), and back. */
static inline void sprig_transpose_load_words(uint64_t* r, size_t n, const void* in, size_t stride) {
  for (size_t i = 0; i < n; i++) {
    memcpy(&r[i], (const char*) in + i * stride, 8);
  }
}
static inline void sprig_transpose_store_words(const uint64_t* r, size_t n, void* out, size_t stride) {
  for (size_t i = 0; i < n; i++) {
    memcpy((char*) out + i * stride, &r[i], 8);
  }
}

/* Rows a and b exchange the units of `shift` bits that lie off the diagonal: the high unit of
 * each pair of a with the low unit of each pair of b (`mask` selects the low units). */
static inline void sprig_transpose_swap_units(uint64_t* a, uint64_t* b, unsigned shift, uint64_t mask) {
  const uint64_t t = ((*a >> shift) ^ *b) & mask;
  *b ^= t;
  *a ^= t << shift;
}

/*
 * The SIMD blocks of the 16- and 8-bit families: 8 x 8 elements transposed by three rounds of
 * interleaves (zips), each round pairing vectors that hold the same columns of different rows:
 *   x16: rows of 8 halves; zips of 16-bit units pair rows (0, 1), (2, 3), (4, 5), (6, 7) -> half
 *        the columns of two rows per vector; 32-bit units -> two columns of four rows; 64-bit
 *        units -> one column of all eight rows: an output row.
 *   x8:  rows of 8 bytes; one zip of bytes per row pair -> the 8 columns of two rows in 16 bytes;
 *        16-bit units -> four columns of four rows; 32-bit units -> two output rows per vector.
 * A kernel file defines, then instantiates SPRIG_TRANSPOSE_X16_BLOCK(name) / _X8_BLOCK(name):
 *   VEC                  a 16-byte vector type
 *   LOAD_ROW(p)          (x16) 8 halves at p as a VEC; STORE_ROW(p, v) stores them
 *   HALF, LOAD_ROW8(p)   (x8) 8 bytes at p (in a HALF); ZIP8_LO(a, b) the VEC of a0 b0 a1 b1 .. a7 b7
 *   STORE_ROW8_LO(p, v), STORE_ROW8_HI(p, v)   (x8) bytes 0-7 / 8-15 of v to p
 *   ZIP16(lo, hi, a, b)  lo = the interleave of the low halves of a and b in 16-bit units, hi the
 *                        same of the high halves; ZIP32 and ZIP64 in 32- and 64-bit units.
 */
#define SPRIG_TRANSPOSE_X16_BLOCK(name)                                                                       \
  static inline void name(const uint16_t* in, size_t input_stride, uint16_t* out, size_t output_stride) {    \
    VEC r[8], a[8], b[8];                                                                                     \
    for (size_t i = 0; i < 8; i++) {                                                                          \
      r[i] = LOAD_ROW(SPRIG_TRANSPOSE_CONST_ROW(uint16_t, in, input_stride, i));                              \
    }                                                                                                         \
    /* a[2p]: columns 0-3 of rows 2p, 2p + 1; a[2p + 1]: their columns 4-7. */                                \
    for (size_t p = 0; p < 4; p++) {                                                                          \
      ZIP16(a[2 * p], a[2 * p + 1], r[2 * p], r[2 * p + 1]);                                                  \
    }                                                                                                         \
    /* b[4h + 2j], b[4h + 2j + 1]: columns 4j, 4j + 1 and 4j + 2, 4j + 3 of rows 4h .. 4h + 3. */             \
    for (size_t h = 0; h < 2; h++) {                                                                          \
      for (size_t j = 0; j < 2; j++) {                                                                        \
        ZIP32(b[4 * h + 2 * j], b[4 * h + 2 * j + 1], a[4 * h + j], a[4 * h + 2 + j]);                        \
      }                                                                                                       \
    }                                                                                                         \
    for (size_t t = 0; t < 4; t++) {                                                                          \
      VEC even, odd;                                                                                          \
      ZIP64(even, odd, b[t], b[4 + t]);                                                                       \
      STORE_ROW(SPRIG_TRANSPOSE_ROW(uint16_t, out, output_stride, 2 * t), even);                              \
      STORE_ROW(SPRIG_TRANSPOSE_ROW(uint16_t, out, output_stride, 2 * t + 1), odd);                           \
    }                                                                                                         \
  }

#define SPRIG_TRANSPOSE_X8_BLOCK(name)                                                                        \
  static inline void name(const uint8_t* in, size_t input_stride, uint8_t* out, size_t output_stride) {      \
    HALF r[8];                                                                                                \
    VEC a[4], b[4];                                                                                           \
    for (size_t i = 0; i < 8; i++) {                                                                          \
      r[i] = LOAD_ROW8(SPRIG_TRANSPOSE_CONST_ROW(uint8_t, in, input_stride, i));                              \
    }                                                                                                         \
    /* a[p]: columns 0-7 of rows 2p, 2p + 1. */                                                               \
    for (size_t p = 0; p < 4; p++) {                                                                          \
      a[p] = ZIP8_LO(r[2 * p], r[2 * p + 1]);                                                                 \
    }                                                                                                         \
    /* b[2h], b[2h + 1]: columns 0-3 and 4-7 of rows 4h .. 4h + 3. */                                         \
    for (size_t h = 0; h < 2; h++) {                                                                          \
      ZIP16(b[2 * h], b[2 * h + 1], a[2 * h], a[2 * h + 1]);                                                  \
    }                                                                                                         \
    /* Columns 4q .. 4q + 3 of all rows: output rows 4q + 2s (low bytes) and 4q + 2s + 1 (high). */           \
    for (size_t q = 0; q < 2; q++) {                                                                          \
      VEC v[2];                                                                                               \
      ZIP32(v[0], v[1], b[q], b[2 + q]);                                                                      \
      for (size_t s = 0; s < 2; s++) {                                                                        \
        STORE_ROW8_LO(SPRIG_TRANSPOSE_ROW(uint8_t, out, output_stride, 4 * q + 2 * s), v[s]);                 \
        STORE_ROW8_HI(SPRIG_TRANSPOSE_ROW(uint8_t, out, output_stride, 4 * q + 2 * s + 1), v[s]);             \
      }                                                                                                       \
    }                                                                                                         \
  }

#endif /* SPRIG_ISA_TRANSPOSE_H */
