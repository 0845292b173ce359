/*
 * The two entry points of a qs8-requant kernel file (src/sprig/qs8-requant.h), defined from the
 * file's one worker:
 *   static void requant_row(size_t cols, const int32_t* sums, const float* scales, bool per_column,
 *                           int8_t* output, const struct sprig_qs8_requant_params* params)
 * which converts one row of `cols` sums with scales[0] for every column (per_column false) or
 * scales[c] for column c (per_column true). The worker is always inlined, so each entry point
 * gets a loop specialized for its scale layout.
 */
#ifndef SPRIG_QS8_REQUANT_ENTRY_POINTS_H
#define SPRIG_QS8_REQUANT_ENTRY_POINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/qs8-requant.h>

#define SPRIG_QS8_REQUANT_ENTRY_POINTS(suffix)                                                                 \
  void sprig_qs8_requant_rows_ukernel__##suffix(size_t rows, size_t cols, const int32_t* sums,                  \
                                               size_t sums_stride, const float* scales, int8_t* output,        \
                                               size_t output_stride,                                           \
                                               const struct sprig_qs8_requant_params* params) {                \
    for (size_t r = 0; r < rows; r++) {                                                                        \
      requant_row(cols, (const int32_t*) ((const char*) sums + r * sums_stride), scales + r, false,            \
                  output + r * output_stride, params);                                                         \
    }                                                                                                          \
  }                                                                                                            \
  void sprig_qs8_requant_columns_ukernel__##suffix(size_t rows, size_t cols, const int32_t* sums,               \
                                                  size_t sums_stride, const float* scales, int8_t* output,     \
                                                  size_t output_stride,                                        \
                                                  const struct sprig_qs8_requant_params* params) {             \
    for (size_t r = 0; r < rows; r++) {                                                                        \
      requant_row(cols, (const int32_t*) ((const char*) sums + r * sums_stride), scales, true,                 \
                  output + r * output_stride, params);                                                         \
    }                                                                                                          \
  }

#endif /* SPRIG_QS8_REQUANT_ENTRY_POINTS_H */
