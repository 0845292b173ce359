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
#include <string.h>

#include <sprig/qs8-requant.h>

/*
 * The body of a requant_row that converts `width` values per call of
 *   step(sums, scales, per_column, c, output, ...)
 * (the sums and outputs of columns c .. c + width; scales[c ...] when per_column, else
 * scales[0]), the last cols % width values through zero-filled buffers of `width` sums and
 * scales, so that step always reads and writes whole vectors and nothing outside the row is
 * touched.
 */
#define SPRIG_QS8_REQUANT_STEPS(width, step, cols, sums, scales, per_column, output, ...)            \
  do {                                                                                           \
    size_t c_ = 0;                                                                               \
    for (; c_ + (width) <= (cols); c_ += (width)) {                                              \
      step((sums) + c_, (scales), (per_column), c_, (output) + c_, __VA_ARGS__);                 \
    }                                                                                            \
    if (c_ < (cols)) {                                                                           \
      const size_t n_ = (cols) - c_;                                                             \
      int32_t tail_sums_[width] = {0};                                                           \
      float tail_scales_[width] = {0};                                                           \
      int8_t tail_output_[width];                                                                \
      memcpy(tail_sums_, (sums) + c_, n_ * sizeof(int32_t));                                     \
      if (per_column) {                                                                          \
        memcpy(tail_scales_, (scales) + c_, n_ * sizeof(float));                                 \
      }                                                                                          \
      step(tail_sums_, (per_column) ? tail_scales_ : (scales), (per_column), 0, tail_output_,    \
           __VA_ARGS__);                                                                         \
      memcpy((output) + c_, tail_output_, n_);                                                   \
    }                                                                                            \
  } while (0)

/*
 * The file's requant_row from a worker with a leading `bounded` flag:
 *   requant_row_as(bool bounded, cols, sums, scales, per_column, output, params)
 * where bounded means every scale is below 1, so |sum x scale| <= 2^31 - 2^7: an f32 -> int32
 * conversion cannot overflow upward and the upper clamp before it may go. A row with one scale
 * below 1 (the usual case: input scale x weight scale < output scale) takes the bounded worker.
 */
#define SPRIG_QS8_REQUANT_ROW_FROM_BOUNDED                                                                   \
  static inline __attribute__((always_inline)) void requant_row(                                             \
      size_t cols, const int32_t* sums, const float* scales, bool per_column, int8_t* output,                \
      const struct sprig_qs8_requant_params* params) {                                                       \
    if (!per_column && *scales < 1.0f) {                                                                     \
      requant_row_as(true, cols, sums, scales, per_column, output, params);                                  \
    } else {                                                                                                 \
      requant_row_as(false, cols, sums, scales, per_column, output, params);                                 \
    }                                                                                                        \
  }

#define SPRIG_QS8_REQUANT_ENTRY_POINTS(suffix)                                                                 \
  void sprig_qs8_requant_rows_ukernel__##suffix(size_t rows, size_t cols, const int32_t* sums,                  \
                                               size_t sums_stride, const float* scales, int8_t* output,        \
                                               size_t output_stride,                                           \
                                               const struct sprig_qs8_requant_params* params) {                \
    for (size_t r = 0; r < rows; r++) {                                                                        \
      /* A local copy: int8 stores may alias scales[r], which would be reloaded per vector. */                 \
      const float scale = scales[r];                                                                           \
      requant_row(cols, (const int32_t*) ((const char*) sums + r * sums_stride), &scale, false,                \
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
