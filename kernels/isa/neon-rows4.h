/*
 * The input rows of 4 consecutive entries of a sparse stream (signed int8 row steps), computed
 * from one 32-bit load of their steps: each row is the first one plus a prefix sum of the steps
 * times the row stride (one smull or smaddl, independent of the other rows), so the only chain
 * from one group of 4 entries to the next is that of `next`. Used by the pipelined 32x1 f32 and
 * 64x1 f16 SpMM loops (rows of 128 bytes either way).
 *
 * SPRIG_DEFINE_ROWS4(T) defines, for rows of element type T,
 *   struct rows4 { const T* row[4]; const T* next; };
 *   struct rows4 rows4_at(const T* first, const int8_t* d, int32_t rs);
 * the rows of the 4 entries whose steps are d[0..4), the first at `first`, and the row after
 * them; rs is the row stride in bytes, which the caller checked fits in int32_t. Typed pointers
 * (not byte addresses): GCC schedules the f32 loop worse from integer addresses.
 */
#ifndef SPRIG_ISA_NEON_ROWS4_H
#define SPRIG_ISA_NEON_ROWS4_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <isa/neon.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SPRIG_ROWS4_STEPS(steps, d)                        \
  do {                                                     \
    uint32_t word_;                                        \
    memcpy(&word_, (d), sizeof(word_));                    \
    UNROLL for (size_t k_ = 0; k_ < 4; k_++) {             \
      (steps)[k_] = (int8_t) (uint8_t) (word_ >> (8 * k_)); \
    }                                                      \
  } while (0)
#else
#define SPRIG_ROWS4_STEPS(steps, d) memcpy((steps), (d), 4)
#endif

#define SPRIG_DEFINE_ROWS4(T)                                                                                \
  struct rows4 {                                                                                             \
    const T* row[4];                                                                                         \
    const T* next;                                                                                           \
  };                                                                                                         \
  INLINE struct rows4 rows4_at(const T* first, const int8_t* d, int32_t rs) {                                \
    int8_t steps[4];                                                                                         \
    SPRIG_ROWS4_STEPS(steps, d);                                                                             \
    struct rows4 g;                                                                                          \
    int32_t sum = 0;                                                                                         \
    UNROLL for (size_t k = 0; k < 4; k++) {                                                                  \
      g.row[k] = (const T*) ((uintptr_t) first + (uintptr_t) (intptr_t) ((int64_t) sum * (int64_t) rs));    \
      sum += steps[k];                                                                                       \
    }                                                                                                        \
    g.next = (const T*) ((uintptr_t) first + (uintptr_t) (intptr_t) ((int64_t) sum * (int64_t) rs));         \
    return g;                                                                                                \
  }

#endif /* SPRIG_ISA_NEON_ROWS4_H */
