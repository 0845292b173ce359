/* Layout conversion NHWC <-> NCHW. Per image both directions are one transpose of a
 * [rows][cols] matrix into [cols][rows]: NHWC -> NCHW takes [pixels][channels] to
 * [channels][pixels], NCHW -> NHWC [channels][pixels] to [pixels][channels].
 *
 * Each image is split into panels (blocks of rows, or of columns when rows are few) handed to
 * the pool; a panel is transposed tile by tile (TILE x TILE, small enough that the source rows
 * and destination rows of a tile stay in L1) in 4 x 4 blocks compilers turn into vector
 * stores. 2 to 4 columns (or rows: RGB images and the like) take loops with a constant stride
 * that compilers vectorize with interleaving loads / stores, and one column or row is a copy.
 * Values are copied, never computed, so any split gives the same bits. */
#include <math.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/operator.h>

#define TILE 32
/* A panel is about this many floats (whole tiles, at least one row of tiles). */
#define CONVERT_FLOATS_PER_TASK 16384

struct transpose_context {
  const float* input;  /* [images][rows][cols] */
  float* output;       /* [images][cols][rows] */
  size_t rows;
  size_t cols;
  /* Panels: blocks of panel_size rows (by_rows) or columns. */
  size_t panel_size;
  bool by_rows;
};

/* A 4 x 4 block: d[j][i] = s[i][j], rows source_stride / destination_stride floats apart. */
static inline void transpose_4x4(const float* restrict s, size_t source_stride, float* restrict d,
                                 size_t destination_stride) {
  for (size_t j = 0; j < 4; j++) {
    for (size_t i = 0; i < 4; i++) {
      d[j * destination_stride + i] = s[i * source_stride + j];
    }
  }
}

/* Rows [r0, r1) x columns [c0, c1) of s [rows][cols] into d [cols][rows]. */
static void transpose_tile(const float* restrict s, float* restrict d, size_t rows, size_t cols, size_t r0,
                           size_t r1, size_t c0, size_t c1) {
  size_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    size_t c = c0;
    for (; c + 4 <= c1; c += 4) {
      transpose_4x4(s + r * cols + c, cols, d + c * rows + r, rows);
    }
    for (; c < c1; c++) {
      for (size_t i = 0; i < 4; i++) {
        d[c * rows + r + i] = s[(r + i) * cols + c];
      }
    }
  }
  for (size_t c = c0; c < c1; c++) {
    for (size_t rr = r; rr < r1; rr++) {
      d[c * rows + rr] = s[rr * cols + c];
    }
  }
}

/* Few columns (a constant after inlining): rows [r0, r1), all columns. */
static inline void transpose_few_cols(const float* restrict s, float* restrict d, size_t rows, size_t cols,
                                      size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; r++) {
    for (size_t c = 0; c < cols; c++) {
      d[c * rows + r] = s[r * cols + c];
    }
  }
}

/* Few rows (a constant after inlining): all rows, columns [c0, c1). */
static inline void transpose_few_rows(const float* restrict s, float* restrict d, size_t rows, size_t cols,
                                      size_t c0, size_t c1) {
  for (size_t c = c0; c < c1; c++) {
    for (size_t r = 0; r < rows; r++) {
      d[c * rows + r] = s[r * cols + c];
    }
  }
}

/* Rows [r0, r1) x columns [c0, c1) of one image. */
static void transpose_panel(const float* restrict s, float* restrict d, size_t rows, size_t cols, size_t r0,
                            size_t r1, size_t c0, size_t c1) {
  if (rows == 1 || cols == 1) {
    /* [1][n] and [n][1] are the same n floats: a panel is a contiguous range. */
    const size_t begin = rows == 1 ? c0 : r0;
    const size_t end = rows == 1 ? c1 : r1;
    memcpy(d + begin, s + begin, (end - begin) * sizeof(float));
    return;
  }
  if (c0 == 0 && c1 == cols) {
    switch (cols) {
      case 2:
        transpose_few_cols(s, d, rows, 2, r0, r1);
        return;
      case 3:
        transpose_few_cols(s, d, rows, 3, r0, r1);
        return;
      case 4:
        transpose_few_cols(s, d, rows, 4, r0, r1);
        return;
      default:
        break;
    }
  }
  if (r0 == 0 && r1 == rows) {
    switch (rows) {
      case 2:
        transpose_few_rows(s, d, 2, cols, c0, c1);
        return;
      case 3:
        transpose_few_rows(s, d, 3, cols, c0, c1);
        return;
      case 4:
        transpose_few_rows(s, d, 4, cols, c0, c1);
        return;
      default:
        break;
    }
  }
  for (size_t tr = r0; tr < r1; tr += TILE) {
    for (size_t tc = c0; tc < c1; tc += TILE) {
      transpose_tile(s, d, rows, cols, tr, SPRIG_MIN(tr + TILE, r1), tc, SPRIG_MIN(tc + TILE, c1));
    }
  }
}

static void transpose_task(void* context, size_t image, size_t panel) {
  const struct transpose_context* ctx = context;
  const size_t image_floats = ctx->rows * ctx->cols;
  const float* s = ctx->input + image * image_floats;
  float* d = ctx->output + image * image_floats;
  const size_t begin = panel * ctx->panel_size;
  if (ctx->by_rows) {
    transpose_panel(s, d, ctx->rows, ctx->cols, begin, SPRIG_MIN(begin + ctx->panel_size, ctx->rows), 0,
                    ctx->cols);
  } else {
    transpose_panel(s, d, ctx->rows, ctx->cols, 0, ctx->rows, begin,
                    SPRIG_MIN(begin + ctx->panel_size, ctx->cols));
  }
}

static void convert_run(const struct sprig_operator* op, const float* input, float* output,
                        pthreadpool_t threadpool) {
  const size_t pixels = op->height * op->width;
  const bool to_nchw = op->type == sprig_operator_type_convert_nhwc_to_nchw;
  struct transpose_context context = {
      .input = input,
      .output = output,
      .rows = to_nchw ? pixels : op->channels,
      .cols = to_nchw ? op->channels : pixels,
  };
  /* Split the longer side into panels of whole tiles spanning the shorter one. */
  context.by_rows = context.rows >= context.cols;
  const size_t length = context.by_rows ? context.rows : context.cols;
  const size_t across = context.by_rows ? context.cols : context.rows;
  context.panel_size = sprig_round_up(SPRIG_MAX(CONVERT_FLOATS_PER_TASK / across, (size_t) 1), TILE);
  pthreadpool_parallelize_2d(threadpool, transpose_task, &context, op->batch,
                             sprig_divide_round_up(length, context.panel_size), 0);
}

static const char* convert_kernel_name(const struct sprig_operator* op) {
  return op->type == sprig_operator_type_convert_nhwc_to_nchw ? "sprig_x32_transpose_nhwc_to_nchw"
                                                              : "sprig_x32_transpose_nchw_to_nhwc";
}

static const struct sprig_path_ops convert_path = {
    .name = "layout conversion",
    .run = convert_run,
    .kernel_name = convert_kernel_name,
};

static enum sprig_status create_convert(enum sprig_operator_type type, size_t channels, uint32_t flags,
                                        const char* caller, sprig_operator_t* op_out) {
  if (channels == 0) {
    sprig_log_error("%s: channels must be > 0", caller);
    return sprig_status_invalid_parameter;
  }
  sprig_operator_t op = NULL;
  /* No clamp: values are copied as they are. */
  const enum sprig_status status = sprig_create_weightless_operator(type, &convert_path, -INFINITY, INFINITY, flags,
                                                                    caller, op_out != NULL ? &op : NULL);
  if (status != sprig_status_success) {
    return status;
  }
  op->channels = channels;
  *op_out = op;
  return sprig_status_success;
}

enum sprig_status sprig_create_convert_nhwc_to_nchw_f32(size_t channels, uint32_t flags, sprig_operator_t* op_out) {
  return create_convert(sprig_operator_type_convert_nhwc_to_nchw, channels, flags,
                        "sprig_create_convert_nhwc_to_nchw_f32", op_out);
}

enum sprig_status sprig_create_convert_nchw_to_nhwc_f32(size_t channels, uint32_t flags, sprig_operator_t* op_out) {
  return create_convert(sprig_operator_type_convert_nchw_to_nhwc, channels, flags,
                        "sprig_create_convert_nchw_to_nhwc_f32", op_out);
}

/* Either conversion (op not NULL and of one of the two types). */
static enum sprig_status check_convert_operator(sprig_operator_t op, const char* caller) {
  const enum sprig_operator_type type = op != NULL && op->type == sprig_operator_type_convert_nchw_to_nhwc
                                            ? sprig_operator_type_convert_nchw_to_nhwc
                                            : sprig_operator_type_convert_nhwc_to_nchw;
  return sprig_check_operator(op, type, caller);
}

enum sprig_status sprig_reshape_convert_f32(sprig_operator_t op, size_t batch, size_t height, size_t width) {
  static const char caller[] = "sprig_reshape_convert_f32";
  const enum sprig_status status = check_convert_operator(op, caller);
  if (status != sprig_status_success) {
    return status;
  }
  if (batch == 0 || height == 0 || width == 0) {
    sprig_log_error("%s: batch (%zu), height (%zu) and width (%zu) must be > 0", caller, batch, height, width);
    return sprig_status_invalid_parameter;
  }
  size_t pixels, floats, bytes;
  if (!sprig_mul3_size(batch, height, width, &pixels) || !sprig_mul_size(pixels, op->channels, &floats) ||
      !sprig_mul_size(floats, sizeof(float), &bytes)) {
    sprig_log_error("%s: a %zu x %zu x %zu x %zu tensor has a byte size that overflows size_t", caller, batch, height,
                    width, op->channels);
    return sprig_status_invalid_parameter;
  }
  op->batch = batch;
  op->height = height;
  op->width = width;
  sprig_finish_reshape(op);
  return sprig_status_success;
}

enum sprig_status sprig_setup_convert_f32(sprig_operator_t op, const float* input, float* output) {
  static const char caller[] = "sprig_setup_convert_f32";
  const enum sprig_status status = check_convert_operator(op, caller);
  if (status != sprig_status_success) {
    return status;
  }
  /* Checked against overflow at reshape (0 before it: bind refuses then). */
  const size_t bytes = op->batch * op->height * op->width * op->channels * sizeof(float);
  return sprig_bind_tensors(op, input, bytes, output, bytes, caller);
}
