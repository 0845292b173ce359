/*
 * x86 (AVX and up): 32-bit words at 16-bit offsets into a table, put in vector lanes by scalar
 * loads and inserts instead of a gather instruction, for the sliced matrix-vector kernels on CPUs
 * whose gathers are microcoded (AMD Zen). Lane j of the result is the word at table + 4 * off[j].
 *
 * Per four words: one 64-bit load of the four offsets, split by three shifts and three
 * zero-extensions; one vmovss and three vinsertps that load their word themselves. Eleven
 * instructions and five loads, where reading each offset by itself takes two loads per word.
 * Written as inline assembly because compilers load the word into a register first and then
 * insert it (fifteen instructions).
 *
 * The assembly reads the table without declaring it: callers never write the table inside a
 * kernel (the input vector is read-only there), so no store can be misordered against it.
 */
#ifndef SPRIG_ISA_X86_LOAD_AT_H
#define SPRIG_ISA_X86_LOAD_AT_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

static inline __attribute__((always_inline)) __m128 sprig_load4_at(const void* table, const uint16_t* off) {
  uint64_t offsets;
  memcpy(&offsets, off, sizeof(offsets));
  uint64_t index;
  __m128 v;
  __asm__(
      "movzwl %w[o], %k[i]\n\t"
      "vmovss (%[t],%[i],4), %[v]\n\t"
      "shrq $16, %[o]\n\t"
      "movzwl %w[o], %k[i]\n\t"
      "vinsertps $0x10, (%[t],%[i],4), %[v], %[v]\n\t"
      "shrq $16, %[o]\n\t"
      "movzwl %w[o], %k[i]\n\t"
      "vinsertps $0x20, (%[t],%[i],4), %[v], %[v]\n\t"
      "shrq $16, %[o]\n\t"
      "vinsertps $0x30, (%[t],%[o],4), %[v], %[v]"
      : [v] "=&x"(v), [i] "=&r"(index), [o] "+r"(offsets)
      : [t] "r"(table));
  return v;
}

static inline __attribute__((always_inline)) __m256 sprig_load8_at(const void* table, const uint16_t* off) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(sprig_load4_at(table, off)), sprig_load4_at(table, off + 4), 1);
}

#ifdef __AVX512F__
static inline __attribute__((always_inline)) __m512 sprig_load16_at(const void* table, const uint16_t* off) {
  const __m256d lo = _mm256_castps_pd(sprig_load8_at(table, off));
  const __m256d hi = _mm256_castps_pd(sprig_load8_at(table, off + 8));
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(lo), hi, 1));
}
#endif

#endif /* SPRIG_ISA_X86_LOAD_AT_H */
