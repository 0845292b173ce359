/*
 * The quartet layout's row packer on AVX2 (src/sprig/qs8-spmm.h), shared by the AVX2 and AVX-VNNI
 * quartet kernels (kernels/qs8-spmm/avx2.c, avxvnni.c), whose rows are the same block order.
 * Included by files built with at least -mavx2, after <immintrin.h> and <string.h> and a
 * definition of INLINE.
 */
#ifndef SPRIG_KERNELS_QS8_SPMM_AVX2_QUARTET_PACK_H
#define SPRIG_KERNELS_QS8_SPMM_AVX2_QUARTET_PACK_H

/* One 64-byte block into the block order: its 4 x 4 words transposed as two 4 x 4 transposes of
 * 32-bit lanes within 128-bit halves (vpunpck[lh]dq, vpunpck[lh]qdq), XOR flip. */
INLINE void avx2_quartet_pack_block(const int8_t* src, __m256i vflip, int8_t* dst) {
  const __m256i r01 = _mm256_loadu_si256((const __m256i*) (const void*) src);        /* words 0-7 */
  const __m256i r23 = _mm256_loadu_si256((const __m256i*) (const void*) (src + 32)); /* words 8-15 */
  /* In 128-bit halves: rows i = 0 .. 3 of the 4 x 4 matrix are words 4i .. 4i + 3. */
  const __m256i r02 = _mm256_permute2x128_si256(r01, r23, 0x20); /* row 0 | row 2 */
  const __m256i r13 = _mm256_permute2x128_si256(r01, r23, 0x31); /* row 1 | row 3 */
  const __m256i lo = _mm256_unpacklo_epi32(r02, r13); /* r0[0] r1[0] r0[1] r1[1] | r2[0] r3[0] r2[1] r3[1] */
  const __m256i hi = _mm256_unpackhi_epi32(r02, r13); /* r0[2] r1[2] r0[3] r1[3] | r2[2] r3[2] r2[3] r3[3] */
  /* Column l = r0[l] r1[l] r2[l] r3[l]: low 64 bits of a half from the first half, then the second. */
  const __m256i c01 = _mm256_permute4x64_epi64(lo, _MM_SHUFFLE(3, 1, 2, 0)); /* col 0 | col 1 */
  const __m256i c23 = _mm256_permute4x64_epi64(hi, _MM_SHUFFLE(3, 1, 2, 0)); /* col 2 | col 3 */
  _mm256_storeu_si256((__m256i*) (void*) dst, _mm256_xor_si256(c01, vflip));
  _mm256_storeu_si256((__m256i*) (void*) (dst + 32), _mm256_xor_si256(c23, vflip));
}

/* One channel row of `pixels` bytes into the block order at dst (may be src), XOR flip; the last
 * partial block through a zeroed copy (nothing read past the row). */
INLINE void avx2_quartet_pack(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst) {
  const __m256i vflip = _mm256_set1_epi8((char) flip);
  size_t p = 0;
  for (; p + 64 <= pixels; p += 64) {
    avx2_quartet_pack_block(src + p, vflip, dst + p);
  }
  if (p < pixels) {
    int8_t block[64] = {0};
    memcpy(block, src + p, pixels - p);
    avx2_quartet_pack_block(block, vflip, dst + p);
  }
}

#endif /* SPRIG_KERNELS_QS8_SPMM_AVX2_QUARTET_PACK_H */
