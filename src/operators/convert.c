/* Layout conversion NHWC <-> NCHW of 32-, 16- and 8-bit elements (f32; f16; qs8). Per image
 * both directions are one transpose of a [rows][cols] matrix into [cols][rows]: NHWC -> NCHW
 * takes [pixels][channels] to [channels][pixels], NCHW -> NHWC [channels][pixels] to
 * [pixels][channels].
 *
 * Each image is split into panels (blocks of rows, or of columns when rows are few) handed to
 * the pool; a panel of a small shape is transposed as transpose_small_* says, any other tile by
 * tile by the transpose kernel of its element size chosen at create (x32-, x16-, x8-transpose).
 * Values are copied, never computed, so any split gives the same bits. */
#include <math.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/hardware.h>
#include <sprig/log.h>
#include <sprig/operator.h>

/* Tiles of TILE x TILE elements (64 for 8- and 16-bit ones: a tile's rows are then whole 64- or
 * 128-byte lines), small enough that a tile's source and destination rows stay in L1. */
#define TILE 32
#define NARROW_TILE 64
/* A panel is about this many bytes (whole tiles, at least one row of tiles). */
#define CONVERT_BYTES_PER_TASK 65536

struct transpose_context {
  const void* input;   /* [images][rows][cols] */
  void* output;        /* [images][cols][rows] */
  size_t element_bytes;  /* 4, 2 or 1 */
  const struct sprig_operator* op; /* its kernel of element_bytes does the tiles */
  size_t rows;
  size_t cols;
  /* Panels: blocks of panel_size rows (by_rows) or columns. */
  size_t panel_size;
  bool by_rows;
};

/* The shapes every element type T (suffix N) takes by loops of their own:
 *   transpose_small_N: rows [r0, r1) x columns [c0, c1) of one image s [rows][cols] into
 *   d [cols][rows] when the image has one row or column (a copy) or a panel spans 2 to 4 columns
 *   or rows (RGB images and the like: loops with a constant stride that compilers vectorize with
 *   interleaving loads / stores); false, nothing done, for any other panel. */
#define DEFINE_SMALL_TRANSPOSES(N, T)                                                                               \
  static inline void transpose_few_cols_##N(const T* restrict s, T* restrict d, size_t rows, size_t cols,          \
                                            size_t r0, size_t r1) {                                                 \
    for (size_t r = r0; r < r1; r++) {                                                                              \
      for (size_t c = 0; c < cols; c++) {                                                                           \
        d[c * rows + r] = s[r * cols + c];                                                                          \
      }                                                                                                             \
    }                                                                                                               \
  }                                                                                                                 \
                                                                                                                    \
  static inline void transpose_few_rows_##N(const T* restrict s, T* restrict d, size_t rows, size_t cols,          \
                                            size_t c0, size_t c1) {                                                 \
    for (size_t c = c0; c < c1; c++) {                                                                              \
      for (size_t r = 0; r < rows; r++) {                                                                           \
        d[c * rows + r] = s[r * cols + c];                                                                          \
      }                                                                                                             \
    }                                                                                                               \
  }                                                                                                                 \
                                                                                                                    \
  static bool transpose_small_##N(const T* restrict s, T* restrict d, size_t rows, size_t cols, size_t r0,         \
                                  size_t r1, size_t c0, size_t c1) {                                                \
    if (rows == 1 || cols == 1) {                                                                                   \
      /* [1][n] and [n][1] are the same n elements: a panel is a contiguous range. */                               \
      const size_t begin = rows == 1 ? c0 : r0;                                                                     \
      const size_t end = rows == 1 ? c1 : r1;                                                                       \
      memcpy(d + begin, s + begin, (end - begin) * sizeof(T));                                                      \
      return true;                                                                                                  \
    }                                                                                                               \
    if (c0 == 0 && c1 == cols && cols <= 4) {                                                                       \
      if (cols == 2) {                                                                                              \
        transpose_few_cols_##N(s, d, rows, 2, r0, r1);                                                              \
      } else if (cols == 3) {                                                                                       \
        transpose_few_cols_##N(s, d, rows, 3, r0, r1);                                                              \
      } else {                                                                                                      \
        transpose_few_cols_##N(s, d, rows, 4, r0, r1);                                                              \
      }                                                                                                             \
      return true;                                                                                                  \
    }                                                                                                               \
    if (r0 == 0 && r1 == rows && rows <= 4) {                                                                       \
      if (rows == 2) {                                                                                              \
        transpose_few_rows_##N(s, d, 2, cols, c0, c1);                                                              \
      } else if (rows == 3) {                                                                                       \
        transpose_few_rows_##N(s, d, 3, cols, c0, c1);                                                              \
      } else {                                                                                                      \
        transpose_few_rows_##N(s, d, 4, cols, c0, c1);                                                              \
      }                                                                                                             \
      return true;                                                                                                  \
    }                                                                                                               \
    return false;                                                                                                   \
  }

DEFINE_SMALL_TRANSPOSES(f32, float)
DEFINE_SMALL_TRANSPOSES(x16, uint16_t)
DEFINE_SMALL_TRANSPOSES(x8, uint8_t)
/* transpose_tiles_xN: any panel, tile by tile (tiles of `tile` elements square) by `kernel`. */
#define DEFINE_KERNEL_TILES(N, T)                                                                                   \
  static void transpose_tiles_x##N(const struct sprig_x##N##_transpose_ukernel* kernel, size_t tile, const T* s,   \
                                   T* d, size_t rows, size_t cols, size_t r0, size_t r1, size_t c0, size_t c1) {    \
    for (size_t tr = r0; tr < r1; tr += tile) {                                                                     \
      for (size_t tc = c0; tc < c1; tc += tile) {                                                                   \
        kernel->fn(SPRIG_MIN(tile, r1 - tr), SPRIG_MIN(tile, c1 - tc), s + tr * cols + tc, cols * sizeof(T),        \
                   d + tc * rows + tr, rows * sizeof(T));                                                           \
      }                                                                                                             \
    }                                                                                                               \
  }

DEFINE_KERNEL_TILES(32, uint32_t)
DEFINE_KERNEL_TILES(16, uint16_t)
DEFINE_KERNEL_TILES(8, uint8_t)

/* The tile side of elements of `element_bytes`. */
static size_t tile_of(size_t element_bytes) {
  return element_bytes == 4 ? TILE : NARROW_TILE;
}

static void transpose_task(void* context, size_t image, size_t panel) {
  const struct transpose_context* ctx = context;
  const size_t image_bytes = ctx->rows * ctx->cols * ctx->element_bytes;
  const char* s = (const char*) ctx->input + image * image_bytes;
  char* d = (char*) ctx->output + image * image_bytes;
  const size_t begin = panel * ctx->panel_size;
  const size_t rows = ctx->rows, cols = ctx->cols;
  const size_t r0 = ctx->by_rows ? begin : 0, r1 = ctx->by_rows ? SPRIG_MIN(begin + ctx->panel_size, rows) : rows;
  const size_t c0 = ctx->by_rows ? 0 : begin, c1 = ctx->by_rows ? cols : SPRIG_MIN(begin + ctx->panel_size, cols);
  const size_t tile = tile_of(ctx->element_bytes);
  switch (ctx->element_bytes) {
    case 4:
      if (!transpose_small_f32((const float*) s, (float*) d, rows, cols, r0, r1, c0, c1)) {
        transpose_tiles_x32(ctx->op->transpose, tile, (const uint32_t*) s, (uint32_t*) d, rows, cols, r0, r1, c0, c1);
      }
      break;
    case 2:
      if (!transpose_small_x16((const uint16_t*) s, (uint16_t*) d, rows, cols, r0, r1, c0, c1)) {
        transpose_tiles_x16(ctx->op->transpose_x16, tile, (const uint16_t*) s, (uint16_t*) d, rows, cols, r0, r1,
                            c0, c1);
      }
      break;
    default:
      if (!transpose_small_x8((const uint8_t*) s, (uint8_t*) d, rows, cols, r0, r1, c0, c1)) {
        transpose_tiles_x8(ctx->op->transpose_x8, tile, (const uint8_t*) s, (uint8_t*) d, rows, cols, r0, r1, c0,
                           c1);
      }
      break;
  }
}

/* The three element sizes' operator types, in order f32, x16, x8. */
struct convert_kind {
  enum sprig_operator_type to_nchw, to_nhwc;
  size_t element_bytes;
  const char* kernel_to_nchw;
  const char* kernel_to_nhwc;
};

static const struct convert_kind convert_kinds[] = {
    {sprig_operator_type_convert_nhwc_to_nchw, sprig_operator_type_convert_nchw_to_nhwc, 4,
     "sprig_x32_transpose_nhwc_to_nchw", "sprig_x32_transpose_nchw_to_nhwc"},
    {sprig_operator_type_convert_nhwc_to_nchw_x16, sprig_operator_type_convert_nchw_to_nhwc_x16, 2,
     "sprig_x16_transpose_nhwc_to_nchw", "sprig_x16_transpose_nchw_to_nhwc"},
    {sprig_operator_type_convert_nhwc_to_nchw_x8, sprig_operator_type_convert_nchw_to_nhwc_x8, 1,
     "sprig_x8_transpose_nhwc_to_nchw", "sprig_x8_transpose_nchw_to_nhwc"},
};
enum { kind_f32, kind_x16, kind_x8 };

/* The kind of a conversion operator's type (convert_kinds[kind_f32] for any other type). */
static const struct convert_kind* kind_of(enum sprig_operator_type type) {
  for (size_t k = 0; k < sizeof(convert_kinds) / sizeof(convert_kinds[0]); k++) {
    if (type == convert_kinds[k].to_nchw || type == convert_kinds[k].to_nhwc) {
      return &convert_kinds[k];
    }
  }
  return &convert_kinds[kind_f32];
}

static void convert_run(const struct sprig_operator* op, const float* input, float* output,
                        pthreadpool_t threadpool) {
  const size_t pixels = op->height * op->width;
  const struct convert_kind* kind = kind_of(op->type);
  const bool to_nchw = op->type == kind->to_nchw;
  struct transpose_context context = {
      .input = input,
      .output = output,
      .element_bytes = kind->element_bytes,
      .op = op,
      .rows = to_nchw ? pixels : op->channels,
      .cols = to_nchw ? op->channels : pixels,
  };
  /* Split the longer side into panels of whole tiles spanning the shorter one. */
  context.by_rows = context.rows >= context.cols;
  const size_t length = context.by_rows ? context.rows : context.cols;
  const size_t across = (context.by_rows ? context.cols : context.rows) * kind->element_bytes;
  context.panel_size =
      sprig_round_up(SPRIG_MAX(CONVERT_BYTES_PER_TASK / across, (size_t) 1), tile_of(kind->element_bytes));
  pthreadpool_parallelize_2d(threadpool, transpose_task, &context, op->batch,
                             sprig_divide_round_up(length, context.panel_size), 0);
}

static const char* convert_kernel_name(const struct sprig_operator* op) {
  const struct convert_kind* kind = kind_of(op->type);
  return op->type == kind->to_nchw ? kind->kernel_to_nchw : kind->kernel_to_nhwc;
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
  const struct sprig_hardware* hardware = sprig_get_hardware();
  op->transpose = sprig_choose_x32_transpose_ukernel(hardware);
  op->transpose_x16 = sprig_choose_x16_transpose_ukernel(hardware);
  op->transpose_x8 = sprig_choose_x8_transpose_ukernel(hardware);
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

enum sprig_status sprig_create_convert_nhwc_to_nchw_x16(size_t channels, uint32_t flags, sprig_operator_t* op_out) {
  return create_convert(sprig_operator_type_convert_nhwc_to_nchw_x16, channels, flags,
                        "sprig_create_convert_nhwc_to_nchw_x16", op_out);
}

enum sprig_status sprig_create_convert_nchw_to_nhwc_x16(size_t channels, uint32_t flags, sprig_operator_t* op_out) {
  return create_convert(sprig_operator_type_convert_nchw_to_nhwc_x16, channels, flags,
                        "sprig_create_convert_nchw_to_nhwc_x16", op_out);
}

enum sprig_status sprig_create_convert_nhwc_to_nchw_x8(size_t channels, uint32_t flags, sprig_operator_t* op_out) {
  return create_convert(sprig_operator_type_convert_nhwc_to_nchw_x8, channels, flags,
                        "sprig_create_convert_nhwc_to_nchw_x8", op_out);
}

enum sprig_status sprig_create_convert_nchw_to_nhwc_x8(size_t channels, uint32_t flags, sprig_operator_t* op_out) {
  return create_convert(sprig_operator_type_convert_nchw_to_nhwc_x8, channels, flags,
                        "sprig_create_convert_nchw_to_nhwc_x8", op_out);
}

/* Either conversion of `kind` (op not NULL and of one of its two types). */
static enum sprig_status check_convert_operator(sprig_operator_t op, const struct convert_kind* kind,
                                                const char* caller) {
  const enum sprig_operator_type type = op != NULL && op->type == kind->to_nhwc ? kind->to_nhwc : kind->to_nchw;
  return sprig_check_operator(op, type, caller);
}

static enum sprig_status reshape_convert(sprig_operator_t op, const struct convert_kind* kind, size_t batch,
                                         size_t height, size_t width, const char* caller) {
  const enum sprig_status status = check_convert_operator(op, kind, caller);
  if (status != sprig_status_success) {
    return status;
  }
  if (batch == 0 || height == 0 || width == 0) {
    sprig_log_error("%s: batch (%zu), height (%zu) and width (%zu) must be > 0", caller, batch, height, width);
    return sprig_status_invalid_parameter;
  }
  size_t pixels, elements, bytes;
  if (!sprig_mul3_size(batch, height, width, &pixels) || !sprig_mul_size(pixels, op->channels, &elements) ||
      !sprig_mul_size(elements, kind->element_bytes, &bytes)) {
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

static enum sprig_status setup_convert(sprig_operator_t op, const struct convert_kind* kind, const void* input,
                                       void* output, const char* caller) {
  const enum sprig_status status = check_convert_operator(op, kind, caller);
  if (status != sprig_status_success) {
    return status;
  }
  /* Checked against overflow at reshape (0 before it: bind refuses then). */
  const size_t bytes = op->batch * op->height * op->width * op->channels * kind->element_bytes;
  return sprig_bind_tensors(op, (const float*) input, bytes, (float*) output, bytes, caller);
}

enum sprig_status sprig_reshape_convert_f32(sprig_operator_t op, size_t batch, size_t height, size_t width) {
  return reshape_convert(op, &convert_kinds[kind_f32], batch, height, width, "sprig_reshape_convert_f32");
}

enum sprig_status sprig_reshape_convert_x16(sprig_operator_t op, size_t batch, size_t height, size_t width) {
  return reshape_convert(op, &convert_kinds[kind_x16], batch, height, width, "sprig_reshape_convert_x16");
}

enum sprig_status sprig_reshape_convert_x8(sprig_operator_t op, size_t batch, size_t height, size_t width) {
  return reshape_convert(op, &convert_kinds[kind_x8], batch, height, width, "sprig_reshape_convert_x8");
}

enum sprig_status sprig_setup_convert_f32(sprig_operator_t op, const float* input, float* output) {
  return setup_convert(op, &convert_kinds[kind_f32], input, output, "sprig_setup_convert_f32");
}

enum sprig_status sprig_setup_convert_x16(sprig_operator_t op, const uint16_t* input, uint16_t* output) {
  return setup_convert(op, &convert_kinds[kind_x16], input, output, "sprig_setup_convert_x16");
}

enum sprig_status sprig_setup_convert_x8(sprig_operator_t op, const int8_t* input, int8_t* output) {
  return setup_convert(op, &convert_kinds[kind_x8], input, output, "sprig_setup_convert_x8");
}
