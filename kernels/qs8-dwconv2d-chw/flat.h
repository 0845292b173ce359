/*
 * The flat layout of the widened plane that pairs.h, neon.h and aarch64-neondot.c compute over:
 * the widened rows of a plane lie back to back, `stride` elements each (stride 1: the padded
 * width; stride 2: half of it, rounded up, the even and the odd padded columns in planes of their
 * own), so that output (y, x) is flat output j = y x stride + x and every tap reads element j
 * plus a constant. The outputs then form one long row, computed a trip at a time across the
 * rows' ends; the flat outputs with x >= output_width are computed on the padding and dropped
 * when the rows are copied out. Each plane ends with FLAT_GAP zero elements, which the last
 * trips read (at most trip - 1 + K - 1 past the rows).
 */
#ifndef SPRIG_QS8_DWCONV2D_CHW_FLAT_H
#define SPRIG_QS8_DWCONV2D_CHW_FLAT_H

#include <stdint.h>
#include <string.h>

#include "rows.h"

#define FLAT_GAP 80

struct flat {
  size_t stride;         /* elements per widened row */
  size_t rows;           /* widened rows per plane */
  size_t plane_elements; /* rows x stride + FLAT_GAP */
  size_t elements;       /* of every plane */
  size_t outputs;        /* flat outputs computed: output_height x stride, rounded up to a trip */
  size_t output_bytes;   /* their buffer: outputs + 16 */
};

/* The layout of `planes` planes of `rows` widened rows (K x K stride S, input_width wide),
 * computed in trips of `trip` outputs (16 .. 64). */
static inline void flat_init(struct flat* f, size_t k, size_t s, size_t input_width, size_t output_height,
                             size_t rows, size_t planes, size_t trip) {
  const size_t padded_width = input_width + k - 1;
  f->stride = s == 1 ? padded_width : (padded_width + 1) / 2;
  f->rows = rows;
  f->plane_elements = rows * f->stride + FLAT_GAP;
  f->elements = planes * f->plane_elements;
  f->outputs = (output_height * f->stride + trip - 1) / trip * trip;
  f->output_bytes = f->outputs + 16;
}

/* Output row y is flat outputs [y x stride, + output_width): copied out 16 bytes at a time, a
 * row's last copy running past it into the next rows (copied after it), where the plane goes on
 * that far; else exactly. */
static inline void flat_copy_out(const struct flat* f, const int8_t* flat_out, size_t output_height,
                                 size_t output_width, int8_t* output) {
  const size_t copied = (output_width + 15) / 16 * 16;
  for (size_t y = 0; y < output_height; y++) {
    const int8_t* from = flat_out + y * f->stride;
    int8_t* to = output + y * output_width;
    if ((output_height - y) * output_width < copied) {
      copy_blocks(to, from, output_width);
      continue;
    }
    for (size_t x = 0; x < output_width; x += 16) {
      memcpy(to + x, from + x, 16);
    }
  }
}

/* The kernel entry point sprig_qs8_dwconv2d_chw_ukernel_<K>x<K>s<S>__<suffix> of a file that
 * defines dwconv(k, s, ...) with the entry point's parameters. */
#define DEFINE_KERNEL(kernel, stride, suffix)                                                      \
  void sprig_qs8_dwconv2d_chw_ukernel_##kernel##x##kernel##s##stride##__##suffix(                  \
      size_t input_height, size_t input_width, size_t output_height, size_t output_width,          \
      const int8_t* input, const int8_t* weights, int32_t bias, float scale, int8_t* output,       \
      uint32_t padding_top, void* scratch, const struct sprig_qs8_dwconv2d_chw_params* params) {   \
    dwconv(kernel, stride, input_height, input_width, output_height, output_width, input, weights, \
           bias, scale, output, padding_top, scratch, params);                                     \
  }

#endif /* SPRIG_QS8_DWCONV2D_CHW_FLAT_H */
