/*
 * The input rows the widening steps of pairs.h, neon.h and aarch64-neondot.c read: each padded
 * row of the plane is its input row, or a row of zero points (the padding above and below), read
 * in whole steps of `chunk` bytes. The plane's last rows, whose steps would run past its end, are
 * read from a copy in scratch followed by `chunk` zero points; what any step reads past a row's
 * `width` bytes lands in elements past the row that the kernel then overwrites with padding (or
 * with the next rows).
 */
#ifndef SPRIG_QS8_DWCONV2D_CHW_ROWS_H
#define SPRIG_QS8_DWCONV2D_CHW_ROWS_H

#include <stdint.h>
#include <string.h>

#include <sprig/qs8-dwconv2d-chw.h>

struct input_rows {
  const int8_t* input;
  size_t height, width;
  uint32_t padding_top;
  size_t first_copied;        /* input rows from this one on are read from `copy` */
  const int8_t* copy;         /* rows first_copied .. height - 1, then chunk zero points */
  const int8_t* zero_points;  /* width + chunk zero points */
};

/* Copies n bytes in fixed-size moves (inlined, no call): 16 at a time, the last 16 ending at n;
 * below 16, moves of 8, 4, 2 and 1. */
static inline void copy_blocks(int8_t* to, const int8_t* from, size_t n) {
  if (n >= 16) {
    for (size_t i = 0; i + 16 < n; i += 16) {
      memcpy(to + i, from + i, 16);
    }
    memcpy(to + n - 16, from + n - 16, 16);
    return;
  }
  for (size_t part = 8; part != 0; part /= 2) {
    if (n & part) {
      memcpy(to, from, part);
      to += part;
      from += part;
    }
  }
}

/* n >= 16 copies of v, in 16-byte moves. */
static inline void fill_blocks(int8_t* to, int8_t v, size_t n) {
  int8_t block[16];
  memset(block, v, sizeof(block));
  for (size_t i = 0; i + 16 < n; i += 16) {
    memcpy(to + i, block, 16);
  }
  memcpy(to + n - 16, block, 16);
}

/* Sets up the rows in `area` (chunk 16 or 32): width + chunk zero points, then the copied rows
 * (fewer than width + chunk bytes) and chunk zero points: at most 2 x width + 3 x chunk bytes,
 * within sprig_qs8_dwconv2d_chw_scratch_bytes' share for them (2 x width + 128). */
static inline void input_rows_init(struct input_rows* rows, const int8_t* input, size_t height, size_t width,
                                   uint32_t padding_top, int8_t zero_point, size_t chunk, int8_t* area) {
  const size_t span = (width + chunk - 1) / chunk * chunk, plane = height * width;
  size_t first = height;
  while (first > 0 && (first - 1) * width + span > plane) {
    first--;
  }
  int8_t* zero_points = area;
  int8_t* copy = area + width + chunk;
  const size_t copied = (height - first) * width;
  fill_blocks(zero_points, zero_point, width + chunk);
  copy_blocks(copy, input + first * width, copied);
  fill_blocks(copy + copied, zero_point, chunk);
  *rows = (struct input_rows){input, height, width, padding_top, first, copy, zero_points};
}

/* Padded row r. */
static inline const int8_t* input_row(const struct input_rows* rows, size_t r) {
  if (r < rows->padding_top || r - rows->padding_top >= rows->height) {
    return rows->zero_points;
  }
  const size_t i = r - rows->padding_top;
  return i < rows->first_copied ? rows->input + i * rows->width : rows->copy + (i - rows->first_copied) * rows->width;
}

#endif /* SPRIG_QS8_DWCONV2D_CHW_ROWS_H */
