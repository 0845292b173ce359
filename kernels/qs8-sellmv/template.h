/*
 * The int8 sliced matrix-vector kernel body (contract: src/sprig/qs8-sellmv.h), shared by the
 * files of kernels/qs8-sellmv. Not compiled on its own: a kernel file defines the names below
 * and includes this header once per kernel, renaming sellmv_slices in between.
 *
 *   INLINE                 static inline __attribute__((always_inline))
 *   C                      rows per slice
 *   SETS                   accumulators taking the slots in turn: 2 or 4
 *   ACC                    the accumulator type (C rows: one or several vectors)
 *   ACC_ZERO()             an all-zero accumulator
 *   MAC(acc, w, x, off)    acc + the products of slot weights w[4j .. 4j + 3] and the input
 *                          words at x + 4 off[j], for each row j < C
 *   ACC_ADD(a, b)          a + b
 *   ACC_STORE(p, acc)      the C rows' int32 sums to p[0 .. C)
 *
 * Per slice: SETS independent accumulators take the slots in turn, the last width % SETS go
 * into the first; they are added, and a full slice is stored to the output directly, the last
 * partial one through a local copy.
 */
#if !defined(C) || !defined(INLINE) || !defined(ACC) || !defined(MAC) || !defined(SETS)
#error "template.h is included by the qs8-sellmv kernel files after they define C, SETS, ACC, MAC, ..."
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sprig/qs8-sellmv.h>

INLINE void sellmv_slices(size_t nc, const int8_t* input, const int8_t* w, const uint16_t* off,
                          const uint32_t* widths, const uint32_t* quad_base, int32_t* output) {
  for (size_t r = 0; r < nc; r += C) {
    const int8_t* x = input + 4 * (size_t) *quad_base++;
    ACC acc0 = ACC_ZERO();
    ACC acc1 = ACC_ZERO();
#if SETS == 4
    ACC acc2 = ACC_ZERO();
    ACC acc3 = ACC_ZERO();
#endif
    uint32_t left = *widths++;
    for (; left >= SETS; left -= SETS) {
      acc0 = MAC(acc0, w, x, off);
      acc1 = MAC(acc1, w + 4 * C, x, off + C);
#if SETS == 4
      acc2 = MAC(acc2, w + 8 * C, x, off + 2 * C);
      acc3 = MAC(acc3, w + 12 * C, x, off + 3 * C);
#endif
      w += 4 * SETS * C;
      off += SETS * C;
    }
    for (; left != 0; left--) {
      acc0 = MAC(acc0, w, x, off);
      w += 4 * C;
      off += C;
    }
#if SETS == 4
    const ACC sum = ACC_ADD(ACC_ADD(acc0, acc1), ACC_ADD(acc2, acc3));
#else
    const ACC sum = ACC_ADD(acc0, acc1);
#endif
    if (nc - r >= C) {
      ACC_STORE(output + r, sum);
    } else {
      int32_t sums[C];
      ACC_STORE(sums, sum);
      memcpy(output + r, sums, (nc - r) * sizeof(int32_t));
    }
  }
}
