/* int8 operators: linear qs8, conv2d_nchw qs8 and linear qd8 (f32 in and out, int8 inside).
 *
 * One path for all three. A run has two phases, each split over the pool:
 *   1. pack: the input becomes the layout the kernels read (src/sprig/qs8-spmm.h): per image
 *      and group, quad rows of 4 input columns x every output pixel (the quartet layout: a row
 *      per column, its pixels in the block order). Linear layers transpose
 *      [batch][K] so that batch rows are pixels (qd8 quantizes each row on the way); convolutions
 *      gather their columns (input channel, ky, kx) for every output pixel (im2col), reading
 *      input_zero_point in the padding. Kernels with unsigned input get x XOR 0x80.
 *   2. compute: tasks of (image, group, channel chunk, pixel tile) run the int8 SpMM kernel on
 *      blocks of their channels into an L1-sized int32 buffer on the task's stack and convert
 *      each block at once (qs8: requantize to int8; qd8: scale to f32), except qs8
 *      convolutions on a quartet kernel with its own requantizing entry point, which writes the
 *      int8 outputs itself. The kernel reads the weights' c4, term or quartet stream, as its list
 *      entry says (each derived once per weights object and shared).
 * Linear layers at batches below MATVEC_BELOW_BATCH whose sliced layout (src/sprig/qs8-sellmv.h)
 * pads little run the matrix-vector kernel instead (packed batch rows back to back), one task
 * per batch row and sorting window of rows: the kernel's sums come in the window's sorted order
 * and are put back in row order before the conversion. Where the ISA has a windowed kernel,
 * batches below SPRIG_WINDOWED_BELOW_BATCH may run it instead, one task per 4 batch rows and window
 * (small_batch_kernel says which).
 * Depthwise convolutions of the direct depthwise shapes (3x3 / 5x5, stride 1 / 2) run the int8
 * direct depthwise kernel instead (src/sprig/qs8-dwconv2d-chw.h), an image at a time, one task
 * per chunk of channels (dw_task; TARGET_TASKS chunks at most), each in a workspace no task
 * running at the same time uses, the one its thread used last where it can (so that it stays in
 * cache from channel to channel and task to task): int8 plane in, int8 plane out.
 * Every output element is computed by exactly one task in integer arithmetic then the same float
 * steps, so results are bitwise identical on any pool. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/qs8-dwconv2d-chw.h>
#include <sprig/log.h>
#include <sprig/operator.h>
#include <sprig/qs8-quartets.h>
#include <sprig/qs8-stream.h>
#include <sprig/qs8-terms.h>
#include <sprig/workspace.h>

/* Linear batches below this run the sliced matrix-vector kernel once per batch row (when the
 * sliced layout pads little), */
#define MATVEC_BELOW_BATCH 4
/* and below SPRIG_WINDOWED_BELOW_BATCH the windowed kernel, up to SPRIG_QS8_SELLMV_MAX_VECTORS rows
 * per weight pass (when that layout is taken; that bound must stay <= 16: the quad rows of
 * batches below 16 are unpadded). */
/* Tasks a run's compute phase is cut into at least (when the shape allows). */
#define TARGET_TASKS 32
/* Pixels per compute task at most (rounded to the kernel's MR): 256 pixels x 64 quad rows is
 * 64 KB of packed input, reused by every channel of the task from L2. */
#define MAX_PIXEL_TILE 256
/* int32 sums a compute task holds at a time (16 KiB, in L1): channel blocks of
 * SUMS_BLOCK / pixel_tile channels (linear layers: half that, the other half holds the sums
 * transposed); MR <= MAX_PIXEL_TILE so that a block has at least one. */
#define SUMS_BLOCK 4096

struct q8_state {
  const struct sprig_qs8_stream* stream; /* shared: owned by the weights */
  /* Shared, owned by the weights: the term stream, built when a plan's kernel reads it; else NULL. */
  const struct sprig_qs8_terms* terms;
  /* Shared, owned by the weights: the quartet stream, built when a plan's kernel reads it; else NULL. */
  const struct sprig_qs8_quartets* quartets;
  const struct sprig_qs8_spmm_ukernel* chosen;
  const struct sprig_qs8_spmm_ukernel* ukernel;
  const struct sprig_qs8_sellmv_ukernel* sliced_kernel; /* the best ISA's; NULL when it has none */
  const struct sprig_qs8_sellmv_ukernel* window_kernel; /* its windowed partner, else NULL */
  const struct sprig_qs8_sellmv_ukernel* sell_kernel;   /* the one a small-batch plan runs */
  const struct sprig_qs8_sell* sell; /* its layout, shared: owned by the weights */
  bool matvec;               /* the plan runs sell_kernel on sell, */
  size_t matvec_vectors;     /* on this many batch rows per call */
  uint8_t flip;              /* 0x80 when the planned kernel reads unsigned input */

  /* Quantization (qs8). */
  int32_t input_zero_point;
  const struct sprig_qs8_requant_ukernel* requant;
  const struct sprig_qd8_quantize_ukernel* quantize; /* qd8 */
  const struct sprig_x8_zip4_ukernel* zip4; /* pointwise convolutions' input quads */
  const struct sprig_x32_transpose_ukernel* transpose; /* linear layers' sums to pixel-major */
  struct sprig_qs8_requant_params requant_params; /* the clamp minus the zero point, and the zero point */
  float* scales;             /* per channel: qs8 requantization scale; qd8: weight scale */
  int32_t* kernel_bias;      /* per channel: what the planned kernel starts from */
  int32_t* signed_bias;      /* per channel: bias - input_zero_point x sum(w) (qd8: 0) */
  int32_t* unsigned_bias;    /* the same minus 128 x sum(w), for kernels reading x + 128 */
  /* qd8. */
  float* bias;               /* per channel */
  float output_min, output_max;

  /* Plan. */
  size_t images;             /* conv: batch; linear: 1 */
  size_t groups;
  size_t group_rows;         /* output channels per group */
  size_t group_cols;         /* weight columns per group */
  size_t quad_rows;          /* per group: ceil(group_cols / 4) (packing tasks take 4 columns) */
  size_t pixels;             /* per image: output pixels (linear: batch) */
  size_t quad_row_bytes;     /* from one packed row to the next: 4 x pixels (quartets: pixels in
                              * whole 64-pixel blocks), padded (matvec: 4) */
  size_t row_start_bytes;    /* linear: batch row b starts at packed + b x this (4, or matvec 4 x quad_rows) */
  size_t packed_bytes;       /* of one image */
  int8_t* packed;            /* images x groups x packed_rows(s) rows */
  /* packed (dw: dw_scratch) is the operator's workspace's data, taken at the start of each run
   * (the plan owns neither); else the plan's own buffer. */
  bool scratch_in_workspace;
  float* row_scales;         /* qd8: per batch row */
  int32_t* row_offsets;      /* qd8: per batch row, zero point (+ 128 for unsigned kernels) */
  uint8_t* row_bad;          /* qd8: per batch row, 1 when it holds NaN or Inf */
  int8_t* quantized;         /* qd8: [batch][4 x quad_rows], the rows quantized before they are spread */
  size_t pixel_tile, pixel_tiles;
  size_t channel_chunk, channel_chunks;

  /* Depthwise convolutions on the direct int8 kernel (dw not NULL; the plan fields above it that
   * they use: images, groups, group_rows, pixels). */
  const struct sprig_qs8_dwconv2d_chw_ukernel* dw;
  int8_t* dw_weights;        /* per channel: the k x k weights, dense */
  int32_t* dw_bias;          /* per channel: the bias */
  struct sprig_qs8_dwconv2d_chw_params dw_params;
  size_t dw_height, dw_width, dw_output_height, dw_output_width; /* plan: one input / output plane */
  size_t dw_chunk, dw_tasks; /* channels per task, tasks per image */
  size_t dw_scratch_bytes;   /* plan: per task */
  void* dw_scratch;          /* plan: the kernel's scratch, per task */
};

static struct q8_state* state_of(const struct sprig_operator* op) {
  return (struct q8_state*) op->path_state;
}

/* The quartet layout's kernels read a packed row per column, the others a row per quad. */
static bool reads_column_rows(const struct sprig_qs8_spmm_ukernel* ukernel) {
  return ukernel->layout == sprig_qs8_spmm_layout_quartets;
}

/* Packed rows per group of the planned kernel's layout. */
static size_t packed_rows(const struct q8_state* s) {
  return reads_column_rows(s->ukernel) ? s->group_cols : s->quad_rows;
}

/* ---- path ops ---- */

static const char* q8_kernel_name(const struct sprig_operator* op) {
  const struct q8_state* s = state_of(op);
  return s->dw != NULL ? s->dw->name : s->matvec ? s->sell_kernel->name : s->ukernel->name;
}

/* Weights per channel of a depthwise layer (k x k). */
static size_t dw_taps_per_channel(const struct sprig_operator* op) {
  return (size_t) op->geometry.params.kernel_height * op->geometry.params.kernel_width;
}

/* The bytes of the layout the planned kernel reads: the c4, term or quartet stream or the sliced
 * layout (before the first plan, whose kernel fit builds the term or quartet stream: the c4
 * stream). */
static size_t layout_bytes(const struct q8_state* s) {
  if (s->matvec) {
    return sprig_qs8_sell_bytes(s->sell);
  }
  if (s->ukernel->layout == sprig_qs8_spmm_layout_terms && s->terms != NULL) {
    return sprig_qs8_terms_bytes(s->terms);
  }
  if (s->ukernel->layout == sprig_qs8_spmm_layout_quartets && s->quartets != NULL) {
    return sprig_qs8_quartets_bytes(s->quartets);
  }
  return sprig_qs8_stream_bytes(s->stream);
}

static size_t q8_weight_bytes(const struct sprig_operator* op) {
  /* The layout (depthwise: the dense int8 weights) and per channel the scale and the int32 bias a
   * run reads. */
  const struct q8_state* s = state_of(op);
  const size_t layout = s->dw != NULL ? op->rows * dw_taps_per_channel(op) : layout_bytes(s);
  return layout + op->rows * (sizeof(float) + sizeof(int32_t));
}

static void free_plan(struct q8_state* s) {
  if (!s->scratch_in_workspace) {
    free(s->packed);
    free(s->dw_scratch);
  }
  s->scratch_in_workspace = false;
  free(s->row_scales);
  free(s->row_offsets);
  free(s->row_bad);
  free(s->quantized);
  s->packed = NULL;
  s->row_scales = NULL;
  s->row_offsets = NULL;
  s->row_bad = NULL;
  s->quantized = NULL;
  s->dw_scratch = NULL;
}

static void q8_destroy(struct sprig_operator* op) {
  struct q8_state* s = state_of(op);
  if (s != NULL) {
    free_plan(s);
    free(s->scales);
    free(s->signed_bias);
    free(s->unsigned_bias);
    free(s->bias);
    free(s->dw_weights);
    free(s->dw_bias);
    free(s);
    op->path_state = NULL;
  }
}

static bool is_linear(const struct sprig_operator* op) {
  return op->type != sprig_operator_type_conv2d_nchw_qs8;
}

/* ---- phase 1: packing the input ---- */

static inline int8_t flipped(int32_t value, uint8_t flip) {
  return (int8_t) (uint8_t) ((uint8_t) value ^ flip);
}

/* qd8: quantizes batch row b with the qd8-quantize kernel (src/sprig/qd8-quantize.h), whose
 * results are exact when |x / scale| <= 256: a finite row has |x| <= hi - lo = 255 x scale. */
static void quantize_row(const struct sprig_operator* op, struct q8_state* s, size_t b) {
  const float* x = (const float*) op->input + b * op->cols;
  const size_t cols = op->cols;
  float lo, hi;
  const bool bad = s->quantize->range(cols, x, &lo, &hi);
  s->row_bad[b] = (uint8_t) bad;
  float scale = 1.0f;
  int32_t zero_point = -128;
  if (!bad && hi > lo) {
    scale = (float) (((double) hi - (double) lo) / 255.0);
    scale = scale < 0x1p-100f ? 0x1p-100f : scale;
    zero_point = (int32_t) nearbyintf(-128.0f - lo / scale);
    zero_point = zero_point < -128 ? -128 : zero_point > 127 ? 127 : zero_point;
  }
  s->row_scales[b] = scale;
  s->row_offsets[b] = zero_point + (s->flip != 0 ? 128 : 0);
  /* A bad row's output is NaN whatever its sums: quantize zeros instead of the non-finite values. */
  const float inverse = bad ? 0.0f : 1.0f / scale;
  /* Straight into the packed rows when they are back to back (matvec), else into `quantized`,
   * spread into the quad rows afterwards. */
  int8_t* out = s->matvec ? s->packed + b * s->row_start_bytes : s->quantized + b * 4 * s->quad_rows;
  s->quantize->quantize(cols, x, inverse, zero_point, s->flip, out, 4 * s->quad_rows);
}

/* Linear layers: quad rows [q0, q1) of the packed input from int8 rows (row p at src + p x
 * src_row_bytes, `valid` bytes each; zeros past them, whose weights are zero), each 4-byte word
 * XOR flip, to packed +
 * q x quad_row_bytes + p x row_start_bytes. In tiles of SPREAD_TILE pixels x quad rows, so that
 * the reads of a tile and its writes each stay within a few cache lines. */
#define SPREAD_TILE 16
static void spread_words(const struct q8_state* s, const int8_t* src, size_t src_row_bytes, size_t valid, uint8_t flip,
                         size_t q0, size_t q1) {
  const uint32_t flip_word = 0x01010101u * flip;
  const size_t full = SPRIG_MIN(valid / 4, q1);
  for (size_t p0 = 0; p0 < s->pixels; p0 += SPREAD_TILE) {
    const size_t p1 = SPRIG_MIN(s->pixels, p0 + SPREAD_TILE);
    for (size_t q = q0; q < q1; q++) {
      int8_t* out = s->packed + q * s->quad_row_bytes;
      for (size_t p = p0; p < p1; p++) {
        const int8_t* row = src + p * src_row_bytes;
        uint32_t word = 0;
        if (q < full) {
          memcpy(&word, row + 4 * q, 4);
        } else {
          for (size_t t = 0; t < 4 && 4 * q + t < valid; t++) {
            word |= (uint32_t) (uint8_t) row[4 * q + t] << (8 * t);
          }
        }
        word ^= flip_word;
        memcpy(out + p * s->row_start_bytes, &word, 4);
      }
    }
  }
}

/* Linear layers, quartet layout: column rows [c0, c1) of the packed input from int8 rows (row p
 * at src + p x src_row_bytes), each byte XOR flip: gathered in pixel order (tiled as
 * spread_words), then put in the block order in place by the kernel's packer. */
static void spread_bytes(const struct q8_state* s, const int8_t* src, size_t src_row_bytes, uint8_t flip, size_t c0,
                         size_t c1) {
  for (size_t p0 = 0; p0 < s->pixels; p0 += SPREAD_TILE) {
    const size_t p1 = SPRIG_MIN(s->pixels, p0 + SPREAD_TILE);
    for (size_t c = c0; c < c1; c++) {
      int8_t* out = s->packed + c * s->quad_row_bytes;
      for (size_t p = p0; p < p1; p++) {
        out[p] = flipped(src[p * src_row_bytes + c], flip);
      }
    }
  }
  for (size_t c = c0; c < c1; c++) {
    int8_t* row = s->packed + c * s->quad_row_bytes;
    s->ukernel->quartet_pack(s->pixels, row, 0, row);
  }
}

/* dst[i] = src[i x src_step] XOR flip for i < count: source step 1 (stride-1 convolutions), and
 * step 2 from 8 values on, as plain loops over restrict pointers, which the compiler vectorizes;
 * other steps (NHWC input, strides above 2) and short step-2 runs byte by byte. */
static inline __attribute__((always_inline)) void copy_flipped(int8_t* restrict dst, const int8_t* restrict src,
                                                               size_t src_step, size_t count, uint8_t flip) {
  if (src_step == 1) {
    for (size_t i = 0; i < count; i++) {
      dst[i] = (int8_t) (uint8_t) ((uint8_t) src[i] ^ flip);
    }
  } else if (count >= 8 && src_step == 2) {
    for (size_t i = 0; i < count; i++) {
      dst[i] = (int8_t) (uint8_t) ((uint8_t) src[2 * i] ^ flip);
    }
  } else {
    for (size_t i = 0; i < count; i++) {
      dst[i] = (int8_t) (uint8_t) ((uint8_t) src[i * src_step] ^ flip);
    }
  }
}

/* conv: where column (c, ky, kx) of a group reads the input, worked out once per column. */
struct column_source {
  const int8_t* plane; /* channel c of the image */
  size_t ys, xs;       /* input strides in elements: row, column */
  size_t ky;           /* input row of output row y: y x stride_height + ky - padding_top */
  size_t inside, end;  /* output columns [inside, end) read inside an input row; the others padding */
  size_t kx;           /* input column of output column x: x x stride_width + kx - padding_left */
  int8_t padding;      /* input_zero_point XOR flip */
};

static inline __attribute__((always_inline)) struct column_source column_source(
    const struct sprig_operator* op, const struct q8_state* s, const int8_t* base, size_t g, size_t column) {
  const struct sprig_conv2d_params* p = &op->geometry.params;
  const size_t channels = (size_t) p->groups * p->input_channels;
  const size_t height = op->height, width = op->width;
  const bool nhwc = op->geometry.input_nhwc;
  const size_t taps = (size_t) p->kernel_height * p->kernel_width;
  const size_t c = g * p->input_channels + column / taps;
  const size_t ky = column % taps / p->kernel_width * p->dilation_height;
  const size_t kx = column % p->kernel_width * p->dilation_width, sw = p->stride_width;
  const size_t inside = kx >= p->padding_left ? 0 : sprig_divide_round_up(p->padding_left - kx, sw);
  const size_t end = width + p->padding_left > kx ? sprig_divide_round_up(width + p->padding_left - kx, sw) : 0;
  return (struct column_source){base + c * (nhwc ? 1 : height * width), nhwc ? width * channels : width,
                                nhwc ? channels : 1, ky, inside, end, kx, flipped(s->input_zero_point, s->flip)};
}

/* conv: output pixels [xa, xb) of output row y in a column: the input value each reads inside
 * the input, XOR flip, at out[0 .. xb - xa); those reading the padding are left as they are (the
 * callers fill them with the padding first: one memset, not a short fill per row). */
static inline __attribute__((always_inline)) void gather_run(const struct sprig_operator* op,
                                                             const struct column_source* src, uint8_t flip,
                                                             size_t y, size_t xa, size_t xb, int8_t* out) {
  const struct sprig_conv2d_params* p = &op->geometry.params;
  const ptrdiff_t iy = (ptrdiff_t) (y * p->stride_height + src->ky) - (ptrdiff_t) p->padding_top;
  if (iy < 0 || iy >= (ptrdiff_t) op->height) {
    return;
  }
  const size_t x0 = SPRIG_MIN(SPRIG_MAX(src->inside, xa), xb), x1 = SPRIG_MAX(SPRIG_MIN(src->end, xb), x0);
  const size_t sw = p->stride_width;
  const int8_t* in = src->plane + (size_t) iy * src->ys + (x0 * sw + src->kx - p->padding_left) * src->xs;
  copy_flipped(out + (x0 - xa), in, sw * src->xs, x1 - x0, flip);
}

/* conv: output pixels [pa, pb) (row-major over the output map) of a column at out[0 .. pb - pa),
 * the padding included. */
static inline __attribute__((always_inline)) void gather_pixels(const struct sprig_operator* op,
                                                                const struct column_source* src, uint8_t flip,
                                                                size_t pa, size_t pb, int8_t* out) {
  memset(out, src->padding, pb - pa);
  const size_t ow = op->output_width, first = pa / ow, last = (pb - 1) / ow;
  if (pa == 0 && pb == op->output_height * ow) {
    for (size_t y = 0; y <= last; y++) {
      gather_run(op, src, flip, y, 0, ow, out + y * ow);
    }
    return;
  }
  for (size_t y = first; y <= last; y++) {
    const size_t xa = y == first ? pa - y * ow : 0, xb = y == last ? pb - y * ow : ow;
    gather_run(op, src, flip, y, xa, xb, out + (y * ow + xa - pa));
  }
}

/* Output pixels per run of the c4 layout's im2col (4 runs gathered on the stack, then zipped). */
#define GATHER_RUN 256

/* conv: quad q of group g of image `image`: its 4 columns (c, ky, kx) gathered into quad row q,
 * or, for the quartet layout, each into its own row (gathered in pixel order, then put in the
 * block order in place by the kernel's packer). */
static void pack_conv_quad(const struct sprig_operator* op, struct q8_state* s, size_t image, size_t g, size_t q) {
  const struct sprig_conv2d_params* p = &op->geometry.params;
  const size_t channels = (size_t) p->groups * p->input_channels;
  const int8_t* base = (const int8_t*) op->input + image * channels * op->height * op->width;
  int8_t* group_rows = s->packed + image * s->packed_bytes + g * packed_rows(s) * s->quad_row_bytes;
  const bool pointwise = p->kernel_height == 1 && p->kernel_width == 1 && p->stride_height == 1 &&
                         p->stride_width == 1 && p->padding_top == 0 && p->padding_left == 0 &&
                         p->padding_bottom == 0 && p->padding_right == 0 && !op->geometry.input_nhwc;
  const size_t cs = op->height * op->width; /* a channel plane, when pointwise */
  if (reads_column_rows(s->ukernel)) {
    for (size_t column = 4 * q; column < SPRIG_MIN(4 * q + 4, s->group_cols); column++) {
      int8_t* out = group_rows + column * s->quad_row_bytes;
      if (pointwise) {
        s->ukernel->quartet_pack(s->pixels, base + (g * p->input_channels + column) * cs, s->flip, out);
      } else {
        const struct column_source src = column_source(op, s, base, g, column);
        gather_pixels(op, &src, s->flip, 0, s->pixels, out);
        s->ukernel->quartet_pack(s->pixels, out, 0, out);
      }
    }
    return;
  }
  int8_t* quad = group_rows + q * s->quad_row_bytes;
  if (pointwise && 4 * q + 4 <= s->group_cols) {
    /* Four whole channel rows interleaved, a 32-bit word per pixel. */
    s->zip4->fn(s->pixels, (const uint8_t*) base + (g * p->input_channels + 4 * q) * cs, cs, s->flip,
                (uint8_t*) quad);
    return;
  }
  /* Runs of GATHER_RUN output pixels: the 4 columns' values (0 for columns past the group's), zipped. */
  int8_t runs[4][GATHER_RUN];
  struct column_source sources[4];
  for (size_t t = 0; t < 4 && 4 * q + t < s->group_cols; t++) {
    sources[t] = column_source(op, s, base, g, 4 * q + t);
  }
  for (size_t pa = 0; pa < s->pixels; pa += GATHER_RUN) {
    const size_t pb = SPRIG_MIN(pa + GATHER_RUN, s->pixels);
    for (size_t t = 0; t < 4; t++) {
      if (4 * q + t < s->group_cols) {
        gather_pixels(op, &sources[t], s->flip, pa, pb, runs[t]);
      } else {
        memset(runs[t], 0, pb - pa);
      }
    }
    s->zip4->fn(pb - pa, (const uint8_t*) runs[0], GATHER_RUN, 0, (uint8_t*) quad + 4 * pa);
  }
}

struct run_context {
  const struct sprig_operator* op;
  struct q8_state* s;
  size_t image; /* depthwise: the image its tasks compute */
  /* Depthwise: the workspaces in use (bit i: workspace i). A task takes the lowest free one and
   * gives it back when done, so that a thread running tasks in turn reuses one workspace, which
   * stays in its cache, instead of sweeping one per task through it every run. No two tasks
   * running at once share one: at most dw_tasks run at once, and the plan holds dw_tasks <= 32
   * workspaces. */
  atomic_uint_least32_t dw_busy;
};

/* Convolutions: one quad row of one group of one image. */
static void pack_conv_task(void* context, size_t task) {
  const struct run_context* ctx = context;
  const size_t per_image = ctx->s->groups * ctx->s->quad_rows;
  const size_t image = task / per_image, rest = task % per_image;
  pack_conv_quad(ctx->op, ctx->s, image, rest / ctx->s->quad_rows, rest % ctx->s->quad_rows);
}

/* qd8: batch row `b` quantized. */
static void quantize_task(void* context, size_t b) {
  const struct run_context* ctx = context;
  quantize_row(ctx->op, ctx->s, b);
}

/* Linear layers: quad rows [SPREAD_TILE x block, + SPREAD_TILE) (the quartet layout: their
 * columns' rows) from the input (qs8) or the quantized rows (qd8; not XORed again, padded to
 * whole quads). */
static void spread_task(void* context, size_t block) {
  const struct run_context* ctx = context;
  const struct q8_state* s = ctx->s;
  const size_t q0 = block * SPREAD_TILE, q1 = SPRIG_MIN(s->quad_rows, q0 + SPREAD_TILE);
  const bool qd8 = ctx->op->type == sprig_operator_type_linear_qd8;
  if (!s->matvec && reads_column_rows(s->ukernel)) {
    const size_t c1 = SPRIG_MIN(4 * q1, s->group_cols);
    if (qd8) {
      spread_bytes(s, s->quantized, 4 * s->quad_rows, 0, 4 * q0, c1);
    } else {
      spread_bytes(s, (const int8_t*) ctx->op->input, ctx->op->cols, s->flip, 4 * q0, c1);
    }
    return;
  }
  if (qd8) {
    spread_words(s, s->quantized, 4 * s->quad_rows, 4 * s->quad_rows, 0, q0, q1);
  } else {
    spread_words(s, (const int8_t*) ctx->op->input, ctx->op->cols, ctx->op->cols, s->flip, q0, q1);
  }
}

/* Phase 1 over the pool. */
static void pack_input(struct run_context* ctx, pthreadpool_t threadpool) {
  const struct sprig_operator* op = ctx->op;
  const struct q8_state* s = ctx->s;
  if (!is_linear(op)) {
    pthreadpool_parallelize_1d(threadpool, pack_conv_task, ctx, s->images * s->groups * s->quad_rows, 0);
    return;
  }
  if (op->type == sprig_operator_type_linear_qd8) {
    pthreadpool_parallelize_1d(threadpool, quantize_task, ctx, s->pixels, 0);
    if (s->matvec) {
      return;
    }
  }
  pthreadpool_parallelize_1d(threadpool, spread_task, ctx, sprig_divide_round_up(s->quad_rows, SPREAD_TILE), 0);
}

/* ---- phase 2: compute and convert ---- */

/* qs8: the int32 sums of channels [n0, n0 + nc) x pixels [p0, p0 + mc) of one image to int8:
 * for a convolution, channel n's sums at sums + n * mc, into [image][rows][pixels] (one scale
 * per sums row); for a linear layer, pixel i's sums at sums + i * nc, into [batch][rows] (one
 * scale per output column). */
static void requantize_tile(const struct sprig_operator* op, const struct q8_state* s, const int32_t* sums,
                            size_t image, size_t n0, size_t nc, size_t p0, size_t mc) {
  const float* scales = s->scales + n0;
  const size_t rows = op->rows;
  int8_t* output = (int8_t*) op->output;
  if (!is_linear(op)) {
    s->requant->rows(nc, mc, sums, mc * sizeof(int32_t), scales, output + (image * rows + n0) * s->pixels + p0,
                     s->pixels, &s->requant_params);
    return;
  }
  s->requant->columns(mc, nc, sums, nc * sizeof(int32_t), scales, output + p0 * rows + n0, rows, &s->requant_params);
}

/* qd8: `count` channels of one batch row to f32, channel n's sum at sums[n x stride]. One plain
 * loop over restrict arrays, which the compiler vectorizes. */
static void dequantize_row(const int32_t* restrict sums, size_t stride, size_t count, uint32_t offset,
                           float row_scale, const int32_t* restrict weight_sums, const float* restrict weight_scales,
                           const float* restrict bias, float lo, float hi, float* restrict y) {
  for (size_t n = 0; n < count; n++) {
    const int32_t acc = (int32_t) ((uint32_t) sums[n * stride] - offset * (uint32_t) weight_sums[n]);
    float v = (float) acc * (row_scale * weight_scales[n]);
    v = v + bias[n];
    v = v < lo ? lo : v;
    y[n] = v > hi ? hi : v;
  }
}

/* qd8: the same tile (channel n's sums at sums + n * mc, as the kernel wrote them: the
 * conversion reads them in place) to f32 with each batch row's scale and zero point. */
static void dequantize_tile(const struct sprig_operator* op, const struct q8_state* s, const int32_t* sums,
                            size_t n0, size_t nc, size_t p0, size_t mc) {
  for (size_t i = 0; i < mc; i++) {
    const size_t b = p0 + i;
    float* y = (float*) op->output + b * op->rows + n0;
    if (s->row_bad[b]) {
      for (size_t n = 0; n < nc; n++) {
        y[n] = NAN;
      }
      continue;
    }
    dequantize_row(sums + i, mc, nc, (uint32_t) s->row_offsets[b], s->row_scales[b], s->stream->weight_sums + n0,
                   s->scales + n0, s->bias + n0, s->output_min, s->output_max, y);
  }
}

static void compute_task(void* context, size_t task) {
  const struct run_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct q8_state* s = ctx->s;
  const size_t tile = task % s->pixel_tiles;
  task /= s->pixel_tiles;
  const size_t chunk = task % s->channel_chunks;
  task /= s->channel_chunks;
  const size_t g = task % s->groups, image = task / s->groups;
  const size_t first = chunk * s->channel_chunk;
  if (first >= s->group_rows) {
    return;
  }
  const size_t nc = SPRIG_MIN(s->channel_chunk, s->group_rows - first);
  const size_t n0 = g * s->group_rows + first;
  const size_t p0 = tile * s->pixel_tile, mc = SPRIG_MIN(s->pixel_tile, s->pixels - p0);
  const struct sprig_qs8_stream* st = s->stream;
  const int8_t* input = s->packed + image * s->packed_bytes + g * packed_rows(s) * s->quad_row_bytes +
                        (reads_column_rows(s->ukernel) ? p0 : 4 * p0);
  if (op->type == sprig_operator_type_conv2d_nchw_qs8 && s->ukernel->quartets_requant_fn != NULL) {
    /* The kernel requantizes its own sums into the output. */
    const struct sprig_qs8_quartets* q = s->quartets;
    s->ukernel->quartets_requant_fn(mc, nc, input, s->quad_row_bytes, s->kernel_bias + n0, q->weights + q->first[n0],
                                    q->columns + 4 * q->first[n0], q->per_row + n0, s->scales + n0,
                                    &s->requant_params, (int8_t*) op->output + (image * op->rows + n0) * s->pixels + p0,
                                    s->pixels);
    return;
  }
  /* qs8 linear layers' sums are transposed to pixel-major (the output rows' order) for the
   * requantization kernel: the kernel's half of the buffer, then the transposed half. */
  int32_t sums[SUMS_BLOCK] __attribute__((aligned(64)));
  const bool transposed = op->type == sprig_operator_type_linear_qs8 && mc > 1;
  int32_t* by_pixel = sums + SUMS_BLOCK / 2;
  const size_t block = (transposed ? SUMS_BLOCK / 2 : SUMS_BLOCK) / mc;
  for (size_t done = 0; done < nc; done += block) {
    const size_t n = n0 + done, count = SPRIG_MIN(block, nc - done);
    if (s->ukernel->layout == sprig_qs8_spmm_layout_terms) {
      const struct sprig_qs8_terms* t = s->terms;
      s->ukernel->terms_fn(mc, count, input, s->quad_row_bytes, s->kernel_bias + n, t->chunks + t->first_chunk[n],
                           t->words + t->first_word[n], sums, mc * sizeof(int32_t));
    } else if (s->ukernel->layout == sprig_qs8_spmm_layout_quartets) {
      const struct sprig_qs8_quartets* q = s->quartets;
      s->ukernel->quartets_fn(mc, count, input, s->quad_row_bytes, s->kernel_bias + n, q->weights + q->first[n],
                              q->columns + 4 * q->first[n], q->per_row + n, sums, mc * sizeof(int32_t));
    } else {
      const size_t e = st->first_entry[n];
      s->ukernel->fn(mc, count, input, s->quad_row_bytes, s->kernel_bias + n, st->weights + 4 * e, st->quads + e,
                     st->nnz + n, sums, mc * sizeof(int32_t));
    }
    if (transposed) {
      s->transpose->fn(count, mc, (const uint32_t*) sums, mc * sizeof(int32_t), (uint32_t*) by_pixel,
                       count * sizeof(int32_t));
    }
    const int32_t* converted = transposed ? by_pixel : sums;
    if (op->type == sprig_operator_type_linear_qd8) {
      dequantize_tile(op, s, converted, n, count, p0, mc);
    } else {
      requantize_tile(op, s, converted, image, n, count, p0, mc);
    }
  }
}

/* Small batches on the sliced or windowed layout: batch rows [group x V, + V) (V =
 * matvec_vectors, fewer in the last group) times window `window` of rows, the sums put back in
 * row order. */
static void matvec_task(void* context, size_t group, size_t window) {
  const struct run_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct q8_state* s = ctx->s;
  const struct sprig_qs8_sell* sell = s->sell;
  const size_t p0 = window * sell->window, count = SPRIG_MIN(sell->window, sell->rows - p0);
  const size_t s0 = p0 / sell->c, slot = sell->first[s0] * sell->c;
  const size_t b0 = group * s->matvec_vectors, vectors = SPRIG_MIN(s->matvec_vectors, s->pixels - b0);
  int32_t sorted[SPRIG_QS8_SELLMV_MAX_VECTORS][SPRIG_QS8_SELL_WINDOW] __attribute__((aligned(64)));
  int32_t sums[SPRIG_QS8_SELL_WINDOW];
  const int8_t* input = s->packed + b0 * s->row_start_bytes;
  if (sell->window_quads != 0) {
    s->sell_kernel->window_fn(count, sell->quad_rows, vectors, input, s->row_start_bytes, sell->weights + 4 * slot,
                              sell->indices + slot, sell->window_widths + s0 * sell->windows, sorted[0],
                              SPRIG_QS8_SELL_WINDOW);
  } else {
    s->sell_kernel->fn(count, input, sell->weights + 4 * slot, sell->offsets + slot, sell->widths + s0,
                       sell->quad_base + s0, sorted[0]);
  }
  for (size_t j = 0; j < vectors; j++) {
    for (size_t i = 0; i < count; i++) {
      const size_t row = sell->row_of[p0 + i];
      sums[row - p0] = (int32_t) ((uint32_t) sorted[j][i] + (uint32_t) s->kernel_bias[row]);
    }
    if (op->type == sprig_operator_type_linear_qd8) {
      dequantize_tile(op, s, sums, p0, count, b0 + j, 1);
    } else {
      requantize_tile(op, s, sums, 0, p0, count, b0 + j, 1);
    }
  }
}

_Static_assert(TARGET_TASKS <= 32, "one bit of run_context.dw_busy per depthwise workspace");

/* The lowest free workspace of `busy`, taken (one is free: see run_context). 32-bit atomics:
 * lock-free on every target (no libatomic calls on armv7 or wasm32). */
static size_t take_workspace(atomic_uint_least32_t* busy) {
  uint_least32_t seen = atomic_load_explicit(busy, memory_order_relaxed);
  for (;;) {
    const size_t slot = (size_t) __builtin_ctz((unsigned int) ~seen);
    if (atomic_compare_exchange_weak_explicit(busy, &seen, seen | (uint_least32_t) 1 << slot, memory_order_acquire,
                                              memory_order_relaxed)) {
      return slot;
    }
  }
}

static void give_back_workspace(atomic_uint_least32_t* busy, size_t slot) {
  atomic_fetch_and_explicit(busy, ~((uint_least32_t) 1 << slot), memory_order_release);
}

/* Depthwise: channels [task x dw_chunk, + dw_chunk) of image ctx->image, in a free workspace. */
static void dw_task(void* context, size_t task) {
  struct run_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct q8_state* s = ctx->s;
  const size_t in_pixels = s->dw_height * s->dw_width;
  const size_t slot = take_workspace(&ctx->dw_busy);
  void* scratch = (char*) s->dw_scratch + slot * s->dw_scratch_bytes;
  const size_t end = SPRIG_MIN(op->rows, (task + 1) * s->dw_chunk);
  for (size_t c = task * s->dw_chunk; c < end; c++) {
    /* One input channel per group. */
    const int8_t* x = (const int8_t*) op->input + (ctx->image * s->groups + c / s->group_rows) * in_pixels;
    int8_t* y = (int8_t*) op->output + (ctx->image * op->rows + c) * s->pixels;
    s->dw->fn(s->dw_height, s->dw_width, s->dw_output_height, s->dw_output_width, x,
              s->dw_weights + c * dw_taps_per_channel(op), s->dw_bias[c], s->scales[c], y,
              op->geometry.params.padding_top, scratch, &s->dw_params);
  }
  give_back_workspace(&ctx->dw_busy, slot);
}

static void q8_run(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool) {
  (void) input;
  (void) output;
  struct run_context ctx = {.op = op, .s = state_of(op), .image = 0};
  atomic_init(&ctx.dw_busy, 0);
  if (ctx.s->scratch_in_workspace && ctx.s->dw != NULL) {
    ctx.s->dw_scratch = op->workspace->data;
  } else if (ctx.s->scratch_in_workspace) {
    ctx.s->packed = op->workspace->data;
  }
  const struct q8_state* s = ctx.s;
  if (s->dw != NULL) {
    /* One image at a time, so that the workspaces hold one image's planes. */
    for (ctx.image = 0; ctx.image < s->images; ctx.image++) {
      pthreadpool_parallelize_1d(threadpool, dw_task, &ctx, s->dw_tasks, 0);
    }
    return;
  }
  pack_input(&ctx, threadpool);
  if (s->matvec) {
    pthreadpool_parallelize_2d(threadpool, matvec_task, &ctx, sprig_divide_round_up(s->pixels, s->matvec_vectors),
                               sprig_divide_round_up(s->sell->rows, s->sell->window), 0);
    return;
  }
  pthreadpool_parallelize_1d(threadpool, compute_task, &ctx,
                             s->images * s->groups * s->channel_chunks * s->pixel_tiles, 0);
}

/* ---- plan ---- */

/* Tiles: pixel tiles of at most MAX_PIXEL_TILE (a multiple of MR; for the quartet layout, also of
 * its 64-pixel blocks, where a kernel call must start), then channel chunks until the run has
 * TARGET_TASKS tasks (fixed by the shape, never by the pool). */
static void plan_tasks(struct q8_state* s) {
  const size_t mr =
      reads_column_rows(s->ukernel) ? sprig_round_up(s->ukernel->mr, SPRIG_QS8_QUARTET_BLOCK) : s->ukernel->mr;
  const size_t most = SPRIG_MAX(MAX_PIXEL_TILE / mr, 1) * mr;
  s->pixel_tiles = sprig_divide_round_up(s->pixels, most);
  s->pixel_tile = sprig_round_up(sprig_divide_round_up(s->pixels, s->pixel_tiles), mr);
  s->pixel_tiles = sprig_divide_round_up(s->pixels, s->pixel_tile);
  const size_t others = s->images * s->groups * s->pixel_tiles;
  const size_t chunks = SPRIG_MIN(sprig_divide_round_up(TARGET_TASKS, others), s->group_rows);
  s->channel_chunk = sprig_divide_round_up(s->group_rows, chunks);
  s->channel_chunks = sprig_divide_round_up(s->group_rows, s->channel_chunk);
}

/* The input domain runs take (int8, or x + 128) and the bias that goes with it. */
static void use_input_domain(struct q8_state* s, bool unsigned_input) {
  s->flip = unsigned_input ? 0x80 : 0x00;
  s->kernel_bias = unsigned_input ? s->unsigned_bias : s->signed_bias;
}

/* The weights a kernel reads, ready: the term or quartet stream is built (once per weights
 * object) for the first kernel that reads it; false when out of memory. */
static bool have_layout(struct sprig_weights* weights, struct q8_state* s, const struct sprig_qs8_spmm_ukernel* ukernel) {
  if (ukernel->layout == sprig_qs8_spmm_layout_terms && s->terms == NULL) {
    s->terms = sprig_weights_qs8_terms(weights);
    return s->terms != NULL;
  }
  if (ukernel->layout == sprig_qs8_spmm_layout_quartets && s->quartets == NULL) {
    s->quartets = sprig_weights_qs8_quartets(weights);
    return s->quartets != NULL;
  }
  return true;
}

/* The SpMM kernel runs take (its layout ready). */
static void use_kernel(struct q8_state* s, const struct sprig_qs8_spmm_ukernel* ukernel) {
  s->ukernel = ukernel;
  s->matvec = false;
  use_input_domain(s, ukernel->unsigned_input);
}

/* sprig_windowed_layout_preferred on the windowed layout's bytes: before it is built, at least 5
 * per entry (padding included once built). */
static bool windowed_preferred(const struct q8_state* s, size_t batch, const struct sprig_qs8_sell* windowed) {
  const size_t bytes = windowed != NULL ? sprig_qs8_sell_bytes(windowed) : 5 * s->stream->entries;
  return sprig_windowed_layout_preferred(bytes, batch);
}

/* For a linear layer at a small batch: the matrix-vector kernel of the best ISA and its layout
 * (built on first use) in *sell: the windowed one where preferred (above), else the first of the
 * sliced (batches below MATVEC_BELOW_BATCH) and the windowed one that pads little; NULL when none
 * does (or out of memory). */
static const struct sprig_qs8_sellmv_ukernel* small_batch_kernel(struct sprig_operator* op, const struct q8_state* s,
                                                                 size_t batch, const struct sprig_qs8_sell** sell) {
  const bool windowed_first = s->window_kernel != NULL && windowed_preferred(s, batch, NULL);
  const struct sprig_qs8_sellmv_ukernel* sliced = batch < MATVEC_BELOW_BATCH ? s->sliced_kernel : NULL;
  const struct sprig_qs8_sellmv_ukernel* candidates[] = {windowed_first ? s->window_kernel : sliced,
                                                         windowed_first ? sliced : s->window_kernel};
  for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
    const struct sprig_qs8_sellmv_ukernel* k = candidates[i];
    if (k == NULL) {
      continue;
    }
    const struct sprig_qs8_sell* layout = sprig_weights_qs8_sell(op->weights, k->slice_rows, k->window_quads);
    const bool preferred = i != 0 || k->window_quads == 0 || windowed_preferred(s, batch, layout);
    if (layout != NULL && sprig_qs8_sell_usable(layout) && preferred) {
      *sell = layout;
      return k;
    }
  }
  return NULL;
}

/* Plans `images` images of `pixels` output pixels each; keeps the previous plan on error. */
static enum sprig_status q8_plan_shape(struct sprig_operator* op, size_t images, size_t pixels, const char* caller) {
  struct q8_state* s = state_of(op);
  const size_t groups = is_linear(op) ? 1 : op->geometry.params.groups;
  const size_t group_cols = op->cols;
  const size_t quad_rows = sprig_divide_round_up(group_cols, 4);
  size_t quad_row_bytes, packed_bytes, all_packed, quantized_bytes;
  /* Quad rows hold 4 bytes per pixel, as f32 rows do: padded the same way (a multiple of the
   * cache line, not of 4 KiB) so that SIMD kernels never load across a line. The quartet
   * layout's column rows hold whole 64-pixel blocks, padded alike. */
  if (pixels > SIZE_MAX / 8) {
    sprig_log_error("%s: the workspaces of this shape overflow size_t", caller);
    return sprig_status_invalid_parameter;
  }
  const struct sprig_qs8_spmm_ukernel* fitted =
      sprig_fit_qs8_spmm_ukernel(sprig_get_hardware(), s->chosen, pixels, s->stream->entries, op->weights->nnz);
  if (!have_layout(op->weights, s, fitted)) {
    sprig_log_error("%s: out of memory for the weights' term or quartet stream", caller);
    return sprig_status_out_of_memory;
  }
  const bool column_rows = reads_column_rows(fitted);
  if (column_rows) {
    quad_row_bytes = sprig_padded_row_stride(sprig_round_up(pixels, SPRIG_QS8_QUARTET_BLOCK) / 4);
  } else {
    quad_row_bytes = pixels >= 16 ? sprig_padded_row_stride(pixels) : 4 * pixels;
  }
  if (!sprig_mul3_size(quad_row_bytes, column_rows ? group_cols : quad_rows, groups, &packed_bytes) ||
      !sprig_mul_size(packed_bytes, images, &all_packed) || !sprig_mul3_size(pixels, 4, quad_rows, &quantized_bytes)) {
    sprig_log_error("%s: the workspaces of this shape overflow size_t", caller);
    return sprig_status_invalid_parameter;
  }
  void* packed;
  const enum sprig_status reserved = sprig_plan_scratch(op->workspace, all_packed, false, caller, &packed);
  if (reserved != sprig_status_success) {
    return reserved;
  }
  const bool qd8 = op->type == sprig_operator_type_linear_qd8;
  float* row_scales = qd8 ? malloc(pixels * sizeof(float)) : NULL;
  int32_t* row_offsets = qd8 ? malloc(pixels * sizeof(int32_t)) : NULL;
  uint8_t* row_bad = qd8 ? malloc(pixels) : NULL;
  int8_t* quantized = qd8 ? malloc(quantized_bytes) : NULL;
  if (qd8 && (row_scales == NULL || row_offsets == NULL || row_bad == NULL || quantized == NULL)) {
    free(packed);
    free(row_scales);
    free(row_offsets);
    free(row_bad);
    free(quantized);
    sprig_log_error("%s: out of memory for the workspaces", caller);
    return sprig_status_out_of_memory;
  }
  free_plan(s);
  s->images = images;
  s->groups = groups;
  s->group_rows = op->rows / groups;
  s->group_cols = group_cols;
  s->quad_rows = quad_rows;
  s->pixels = pixels;
  s->quad_row_bytes = quad_row_bytes;
  s->row_start_bytes = 4;
  s->packed_bytes = packed_bytes;
  s->packed = packed;
  s->scratch_in_workspace = op->workspace != NULL;
  s->row_scales = row_scales;
  s->row_offsets = row_offsets;
  s->row_bad = row_bad;
  s->quantized = quantized;
  use_kernel(s, fitted);
  plan_tasks(s);
  const struct sprig_qs8_sell* sell = NULL;
  const struct sprig_qs8_sellmv_ukernel* k =
      is_linear(op) && pixels < SPRIG_WINDOWED_BELOW_BATCH ? small_batch_kernel(op, s, pixels, &sell) : NULL;
  if (k != NULL) {
    s->sell_kernel = k;
    s->sell = sell;
    s->matvec_vectors = k->window_quads != 0 ? SPRIG_QS8_SELLMV_MAX_VECTORS : 1;
    /* Batch rows back to back: pixels < 16, so the quad rows were unpadded (same bytes). */
    s->matvec = true;
    s->quad_row_bytes = 4;
    s->row_start_bytes = 4 * quad_rows;
    use_input_domain(s, s->sell_kernel->unsigned_input);
  }
  return sprig_status_success;
}

/* Depthwise: plans `images` images of height x width input pixels (output: `shape`); keeps the
 * previous plan on error. */
static enum sprig_status dw_plan_shape(struct sprig_operator* op, size_t images, size_t height, size_t width,
                                       const struct sprig_conv_shape* shape, const char* caller) {
  struct q8_state* s = state_of(op);
  const size_t per_task = sprig_qs8_dwconv2d_chw_scratch_bytes(width, shape->output_height, s->dw->kernel_size,
                                                               s->dw->stride);
  const size_t chunk = sprig_divide_round_up(op->rows, TARGET_TASKS), tasks = sprig_divide_round_up(op->rows, chunk);
  size_t bytes;
  if (per_task == SIZE_MAX || !sprig_mul_size(per_task, tasks, &bytes)) {
    sprig_log_error("%s: the workspaces of this shape overflow size_t", caller);
    return sprig_status_invalid_parameter;
  }
  void* scratch;
  const enum sprig_status reserved = sprig_plan_scratch(op->workspace, bytes, false, caller, &scratch);
  if (reserved != sprig_status_success) {
    return reserved;
  }
  free_plan(s);
  s->images = images;
  s->groups = op->geometry.params.groups;
  s->group_rows = op->rows / s->groups;
  s->pixels = shape->output_pixels;
  s->dw_height = height;
  s->dw_width = width;
  s->dw_output_height = shape->output_height;
  s->dw_output_width = shape->output_width;
  s->dw_chunk = chunk;
  s->dw_tasks = tasks;
  s->dw_scratch_bytes = per_task;
  s->dw_scratch = scratch;
  s->scratch_in_workspace = op->workspace != NULL;
  return sprig_status_success;
}

static const struct sprig_path_ops q8_path = {
    .name = "int8",
    .kernel_name = q8_kernel_name,
    .weight_bytes = q8_weight_bytes,
    .run = q8_run,
    .destroy = q8_destroy,
};

/* ---- create ---- */

struct q8_quantization {
  int32_t input_zero_point;
  float input_scale;
  const float* weight_scales;
  const int32_t* bias;        /* qs8 */
  const float* float_bias;    /* qd8 */
  int32_t output_zero_point;
  float output_scale;
  int32_t output_min, output_max;
  float float_min, float_max; /* qd8 */
};

static bool is_positive_finite(float v) {
  return isfinite(v) && v > 0.0f;
}

static enum sprig_status check_quantization(enum sprig_operator_type type, const struct q8_quantization* q,
                                            size_t rows, const char* caller) {
  if (q->weight_scales == NULL) {
    sprig_log_error("%s: weight_scales is NULL", caller);
    return sprig_status_invalid_parameter;
  }
  for (size_t o = 0; o < rows; o++) {
    if (!is_positive_finite(q->weight_scales[o])) {
      sprig_log_error("%s: weight_scales[%zu] = %g must be finite and > 0", caller, o, (double) q->weight_scales[o]);
      return sprig_status_invalid_parameter;
    }
  }
  if (type == sprig_operator_type_linear_qd8) {
    return sprig_check_clamp(q->float_min, q->float_max, caller);
  }
  if (!is_positive_finite(q->input_scale) || !is_positive_finite(q->output_scale)) {
    sprig_log_error("%s: input_scale (%g) and output_scale (%g) must be finite and > 0", caller,
                    (double) q->input_scale, (double) q->output_scale);
    return sprig_status_invalid_parameter;
  }
  for (size_t o = 0; o < rows; o++) {
    const float scale = q->input_scale * q->weight_scales[o] / q->output_scale;
    if (!is_positive_finite(scale)) {
      sprig_log_error("%s: input_scale x weight_scales[%zu] / output_scale = %g must be a finite float > 0", caller, o,
                      (double) scale);
      return sprig_status_invalid_parameter;
    }
  }
  if (q->output_min > q->output_max) {
    sprig_log_error("%s: output_min (%d) must be <= output_max (%d)", caller, (int) q->output_min,
                    (int) q->output_max);
    return sprig_status_invalid_parameter;
  }
  return sprig_status_success;
}

/* The per-channel arrays of the state from the quantization and the shared stream. */
static enum sprig_status fill_state(struct q8_state* s, enum sprig_operator_type type, const struct q8_quantization* q,
                                    size_t rows) {
  const bool qd8 = type == sprig_operator_type_linear_qd8;
  s->scales = malloc(rows * sizeof(float));
  s->signed_bias = malloc(rows * sizeof(int32_t));
  s->unsigned_bias = malloc(rows * sizeof(int32_t));
  s->bias = qd8 ? malloc(rows * sizeof(float)) : NULL;
  if (s->scales == NULL || s->signed_bias == NULL || s->unsigned_bias == NULL || (qd8 && s->bias == NULL)) {
    return sprig_status_out_of_memory;
  }
  for (size_t o = 0; o < rows; o++) {
    if (qd8) {
      /* The zero points are per batch row: applied when the sums are converted. */
      s->scales[o] = q->weight_scales[o];
      s->bias[o] = q->float_bias != NULL ? q->float_bias[o] : 0.0f;
      s->signed_bias[o] = 0;
      s->unsigned_bias[o] = 0;
    } else {
      s->scales[o] = q->input_scale * q->weight_scales[o] / q->output_scale;
      /* bias - (zero point [+ 128]) x sum(w), wrapping. */
      const uint32_t b = q->bias != NULL ? (uint32_t) q->bias[o] : 0u;
      const uint32_t sum = (uint32_t) s->stream->weight_sums[o];
      s->signed_bias[o] = (int32_t) (b - (uint32_t) q->input_zero_point * sum);
      s->unsigned_bias[o] = (int32_t) (b - ((uint32_t) q->input_zero_point + 128u) * sum);
    }
  }
  s->input_zero_point = q->input_zero_point;
  s->requant_params = (struct sprig_qs8_requant_params){(float) (q->output_min - q->output_zero_point),
                                                        (float) (q->output_max - q->output_zero_point),
                                                        q->output_zero_point};
  s->output_min = q->float_min;
  s->output_max = q->float_max;
  return sprig_status_success;
}

/* The matrix-vector kernel of the best allowed ISA, else NULL: where the family has only the
 * scalar kernel and the c4 SpMM kernels are SIMD, those beat scalar sliced rows. */
static const struct sprig_qs8_sellmv_ukernel* choose_sell_kernel(const struct sprig_hardware* hardware,
                                                                 const struct sprig_qs8_spmm_ukernel* chosen) {
  const struct sprig_qs8_sellmv_ukernel* k = sprig_choose_qs8_sellmv_ukernel(hardware);
  return k != NULL && (k->isa != sprig_isa_scalar || chosen->isa == sprig_isa_scalar) ? k : NULL;
}

/* A depthwise convolution of the direct shapes: the int8 kernel, the weights dense and the bias
 * (bias - zero point x sum(w), plus it back). Others keep dw NULL. */
static enum sprig_status use_dw_kernel(struct sprig_operator* op, const struct sprig_hardware* hardware) {
  struct q8_state* s = state_of(op);
  const struct sprig_conv2d_params* p = &op->geometry.params;
  if (!sprig_conv_is_direct_depthwise(&op->geometry)) {
    return sprig_status_success;
  }
  const struct sprig_qs8_dwconv2d_chw_ukernel* dw =
      sprig_choose_qs8_dwconv2d_chw_ukernel(hardware, p->kernel_height, p->stride_height);
  if (dw == NULL) {
    return sprig_status_success;
  }
  s->dw_weights = malloc(op->rows * dw_taps_per_channel(op));
  s->dw_bias = malloc(op->rows * sizeof(int32_t));
  if (s->dw_weights == NULL || s->dw_bias == NULL) {
    return sprig_status_out_of_memory;
  }
  struct sprig_block_row_walk walk = {0, 0};
  for (size_t o = 0; o < op->rows; o++) {
    sprig_qs8_expand_row(op->weights, &walk, o, s->dw_weights + o * dw_taps_per_channel(op));
    s->dw_bias[o] = (int32_t) ((uint32_t) s->signed_bias[o] +
                               (uint32_t) s->input_zero_point * (uint32_t) s->stream->weight_sums[o]);
  }
  s->dw_params = (struct sprig_qs8_dwconv2d_chw_params){s->input_zero_point, s->requant_params};
  s->dw = dw;
  return sprig_status_success;
}

static enum sprig_status create_q8_operator(enum sprig_operator_type type, const struct sprig_conv_geometry* conv,
                                            struct sprig_weights* weights, const struct q8_quantization* q,
                                            uint32_t flags, const char* caller, sprig_operator_t* op_out) {
  const struct sprig_hardware* hardware = sprig_get_hardware();
  if (hardware == NULL) {
    sprig_log_error("%s: sprig_initialize() has not succeeded", caller);
    return sprig_status_uninitialized;
  }
  if (op_out == NULL || weights == NULL) {
    sprig_log_error("%s: %s is NULL", caller, op_out == NULL ? "op_out" : "weights");
    return sprig_status_invalid_parameter;
  }
  if (flags != 0) {
    sprig_log_error("%s: unknown flags 0x%08x", caller, (unsigned) flags);
    return sprig_status_invalid_parameter;
  }
  if (weights->dtype != sprig_weights_dtype_qs8) {
    sprig_log_error("%s: the weights are %s: pack int8 weights with sprig_pack_weights_qs8", caller,
                    weights->dtype == sprig_weights_dtype_f16 ? "f16" : "f32");
    return sprig_status_invalid_parameter;
  }
  enum sprig_status status = check_quantization(type, q, weights->rows, caller);
  if (status != sprig_status_success) {
    return status;
  }
  struct sprig_operator* op = sprig_new_operator(type, weights, conv, sizeof(struct q8_state), caller);
  if (op == NULL) {
    return sprig_status_out_of_memory;
  }
  op->path = &q8_path;
  struct q8_state* s = op->path_state;
  s->chosen = sprig_choose_qs8_spmm_ukernel(hardware);
  s->requant = sprig_choose_qs8_requant_ukernel(hardware);
  s->quantize = sprig_choose_qd8_quantize_ukernel(hardware);
  s->zip4 = sprig_choose_x8_zip4_ukernel(hardware);
  s->transpose = sprig_choose_x32_transpose_ukernel(hardware);
  s->sliced_kernel = choose_sell_kernel(hardware, s->chosen);
  s->window_kernel = sprig_qs8_sellmv_window_partner(s->sliced_kernel);
  s->stream = sprig_weights_qs8_stream(weights);
  /* The term or quartet stream is built by the first plan whose kernel reads it. */
  if (s->stream == NULL || (status = fill_state(s, type, q, weights->rows)) != sprig_status_success) {
    sprig_log_error("%s: out of memory", caller);
    sprig_delete_operator(op);
    return sprig_status_out_of_memory;
  }
  if (type == sprig_operator_type_conv2d_nchw_qs8 && (status = use_dw_kernel(op, hardware)) != sprig_status_success) {
    sprig_log_error("%s: out of memory", caller);
    sprig_delete_operator(op);
    return status;
  }
  use_kernel(s, s->chosen);
  sprig_log_debug("%s: %zu x %zu, %zu nonzeros in %zu c4 entries, kernel %s, requantization %s, quantization %s",
                  caller, weights->rows, weights->cols, weights->nnz, s->stream->entries,
                  s->dw != NULL ? s->dw->name : s->chosen->name,
                  s->requant->name, s->quantize->name);
  *op_out = op;
  return sprig_status_success;
}

/* Packs int8 weights for a create call, then makes the operator (the packed weights' reference
 * passes to the operator). */
static enum sprig_status pack_and_create(enum sprig_operator_type type, const struct sprig_conv_geometry* conv,
                                         size_t rows, size_t cols, const int8_t* weights,
                                         const struct sprig_sparsity* pattern, uint32_t flags,
                                         const struct q8_quantization* q, const struct sprig_pack_names* names,
                                         sprig_operator_t* op_out) {
  if (op_out == NULL) {
    sprig_log_error("%s: op_out is NULL", names->function);
    return sprig_status_invalid_parameter;
  }
  struct sprig_weights* packed = NULL;
  enum sprig_status status = sprig_pack_dense_qs8(rows, cols, weights, pattern, flags & SPRIG_FLAG_PRUNE, names, &packed);
  if (status != sprig_status_success) {
    return status;
  }
  status = create_q8_operator(type, conv, packed, q, flags & ~(SPRIG_FLAG_PRUNE | SPRIG_FLAG_INPUT_NHWC),
                              names->function, op_out);
  sprig_release_weights(packed);
  return status;
}

enum sprig_status sprig_create_linear_qs8(size_t in_features, size_t out_features, int8_t input_zero_point,
                                          float input_scale, const int8_t* weights, const float* weight_scales,
                                          const int32_t* bias, int8_t output_zero_point, float output_scale,
                                          int8_t output_min, int8_t output_max, const struct sprig_sparsity* pattern,
                                          uint32_t flags, sprig_operator_t* op_out) {
  static const struct sprig_pack_names names = {"sprig_create_linear_qs8", "out_features", "in_features", "weights"};
  const struct q8_quantization q = {input_zero_point, input_scale, weight_scales, bias, NULL, output_zero_point,
                                    output_scale, output_min, output_max, 0.0f, 0.0f};
  if ((flags & ~SPRIG_FLAG_PRUNE) != 0) {
    sprig_log_error("%s: unknown flags 0x%08x", names.function, (unsigned) (flags & ~SPRIG_FLAG_PRUNE));
    return sprig_status_invalid_parameter;
  }
  return pack_and_create(sprig_operator_type_linear_qs8, NULL, out_features, in_features, weights, pattern, flags, &q,
                         &names, op_out);
}

enum sprig_status sprig_create_linear_from_weights_qs8(sprig_weights_t weights, int8_t input_zero_point,
                                                       float input_scale, const float* weight_scales,
                                                       const int32_t* bias, int8_t output_zero_point,
                                                       float output_scale, int8_t output_min, int8_t output_max,
                                                       uint32_t flags, sprig_operator_t* op_out) {
  const struct q8_quantization q = {input_zero_point, input_scale, weight_scales, bias, NULL, output_zero_point,
                                    output_scale, output_min, output_max, 0.0f, 0.0f};
  return create_q8_operator(sprig_operator_type_linear_qs8, NULL, weights, &q, flags,
                            "sprig_create_linear_from_weights_qs8", op_out);
}

enum sprig_status sprig_create_linear_qd8_f32(size_t in_features, size_t out_features, const int8_t* weights,
                                              const float* weight_scales, const float* bias, float output_min,
                                              float output_max, const struct sprig_sparsity* pattern, uint32_t flags,
                                              sprig_operator_t* op_out) {
  static const struct sprig_pack_names names = {"sprig_create_linear_qd8_f32", "out_features", "in_features",
                                                "weights"};
  const struct q8_quantization q = {0, 1.0f, weight_scales, NULL, bias, 0, 1.0f, 0, 0, output_min, output_max};
  if ((flags & ~SPRIG_FLAG_PRUNE) != 0) {
    sprig_log_error("%s: unknown flags 0x%08x", names.function, (unsigned) (flags & ~SPRIG_FLAG_PRUNE));
    return sprig_status_invalid_parameter;
  }
  return pack_and_create(sprig_operator_type_linear_qd8, NULL, out_features, in_features, weights, pattern, flags, &q,
                         &names, op_out);
}

enum sprig_status sprig_create_linear_from_weights_qd8_f32(sprig_weights_t weights, const float* weight_scales,
                                                           const float* bias, float output_min, float output_max,
                                                           uint32_t flags, sprig_operator_t* op_out) {
  const struct q8_quantization q = {0, 1.0f, weight_scales, NULL, bias, 0, 1.0f, 0, 0, output_min, output_max};
  return create_q8_operator(sprig_operator_type_linear_qd8, NULL, weights, &q, flags,
                            "sprig_create_linear_from_weights_qd8_f32", op_out);
}

enum sprig_status sprig_create_conv2d_nchw_qs8(const struct sprig_conv2d_params* params, int8_t input_zero_point,
                                               float input_scale, const int8_t* weights, const float* weight_scales,
                                               const int32_t* bias, int8_t output_zero_point, float output_scale,
                                               int8_t output_min, int8_t output_max,
                                               const struct sprig_sparsity* pattern, uint32_t flags,
                                               sprig_operator_t* op_out) {
  static const struct sprig_pack_names names = {"sprig_create_conv2d_nchw_qs8", "groups x output_channels",
                                                "input_channels x kernel_height x kernel_width", "weights"};
  struct sprig_conv_geometry geometry;
  const enum sprig_status status = sprig_check_conv_params(params, flags, SPRIG_FLAG_PRUNE | SPRIG_FLAG_INPUT_NHWC,
                                                           names.function, &geometry);
  if (status != sprig_status_success) {
    return status;
  }
  const struct q8_quantization q = {input_zero_point, input_scale, weight_scales, bias, NULL, output_zero_point,
                                    output_scale, output_min, output_max, 0.0f, 0.0f};
  return pack_and_create(sprig_operator_type_conv2d_nchw_qs8, &geometry, params->groups * params->output_channels,
                         params->input_channels * params->kernel_height * params->kernel_width, weights, pattern,
                         flags, &q, &names, op_out);
}

enum sprig_status sprig_create_conv2d_nchw_from_weights_qs8(
    const struct sprig_conv2d_params* params, sprig_weights_t weights, int8_t input_zero_point, float input_scale,
    const float* weight_scales, const int32_t* bias, int8_t output_zero_point, float output_scale, int8_t output_min,
    int8_t output_max, uint32_t flags, sprig_operator_t* op_out) {
  static const char caller[] = "sprig_create_conv2d_nchw_from_weights_qs8";
  struct sprig_conv_geometry geometry;
  const enum sprig_status status = sprig_check_conv_params(params, flags, SPRIG_FLAG_INPUT_NHWC, caller, &geometry);
  if (status != sprig_status_success) {
    return status;
  }
  const size_t rows = params->groups * params->output_channels;
  const size_t cols = params->input_channels * params->kernel_height * params->kernel_width;
  if (weights != NULL && (weights->rows != rows || weights->cols != cols)) {
    sprig_log_error("%s: weights are %zu x %zu, the convolution needs %zu x %zu (groups x output_channels, "
                    "input_channels x kernel_height x kernel_width)",
                    caller, weights->rows, weights->cols, rows, cols);
    return sprig_status_invalid_parameter;
  }
  const struct q8_quantization q = {input_zero_point, input_scale, weight_scales, bias, NULL, output_zero_point,
                                    output_scale, output_min, output_max, 0.0f, 0.0f};
  return create_q8_operator(sprig_operator_type_conv2d_nchw_qs8, &geometry, weights, &q, 0, caller, op_out);
}

/* ---- reshape and setup ---- */

static enum sprig_status reshape_linear(sprig_operator_t op, enum sprig_operator_type type, size_t batch,
                                        size_t element_bytes, const char* caller) {
  enum sprig_status status = sprig_check_operator(op, type, caller);
  if (status != sprig_status_success) {
    return status;
  }
  size_t bytes;
  if (batch == 0 || !sprig_mul3_size(batch, SPRIG_MAX(op->rows, op->cols), element_bytes, &bytes) ||
      batch > UINT32_MAX) {
    sprig_log_error("%s: batch (%zu) must be > 0, and the tensors' byte sizes must fit size_t", caller, batch);
    return sprig_status_invalid_parameter;
  }
  if ((status = q8_plan_shape(op, 1, batch, caller)) != sprig_status_success) {
    return status;
  }
  op->batch = batch;
  sprig_finish_reshape(op);
  return sprig_status_success;
}

enum sprig_status sprig_reshape_linear_qs8(sprig_operator_t op, size_t batch) {
  return reshape_linear(op, sprig_operator_type_linear_qs8, batch, 1, "sprig_reshape_linear_qs8");
}

enum sprig_status sprig_reshape_linear_qd8_f32(sprig_operator_t op, size_t batch) {
  return reshape_linear(op, sprig_operator_type_linear_qd8, batch, sizeof(float), "sprig_reshape_linear_qd8_f32");
}

enum sprig_status sprig_setup_linear_qs8(sprig_operator_t op, const int8_t* input, int8_t* output) {
  static const char caller[] = "sprig_setup_linear_qs8";
  const enum sprig_status status = sprig_check_operator(op, sprig_operator_type_linear_qs8, caller);
  if (status != sprig_status_success) {
    return status;
  }
  return sprig_bind_tensors(op, (const float*) (const void*) input, op->batch * op->cols,
                            (float*) (void*) output, op->batch * op->rows, caller);
}

enum sprig_status sprig_setup_linear_qd8_f32(sprig_operator_t op, const float* input, float* output) {
  static const char caller[] = "sprig_setup_linear_qd8_f32";
  const enum sprig_status status = sprig_check_operator(op, sprig_operator_type_linear_qd8, caller);
  if (status != sprig_status_success) {
    return status;
  }
  return sprig_bind_tensors(op, input, op->batch * op->cols * sizeof(float), output,
                            op->batch * op->rows * sizeof(float), caller);
}

enum sprig_status sprig_reshape_conv2d_nchw_qs8(sprig_operator_t op, size_t batch, size_t height, size_t width,
                                                size_t* output_height_out, size_t* output_width_out) {
  static const char caller[] = "sprig_reshape_conv2d_nchw_qs8";
  enum sprig_status status = sprig_check_operator(op, sprig_operator_type_conv2d_nchw_qs8, caller);
  if (status != sprig_status_success) {
    return status;
  }
  struct sprig_conv_shape shape;
  if ((status = sprig_check_conv_shape(op, batch, height, width, sizeof(int8_t), caller, &shape)) != sprig_status_success) {
    return status;
  }
  status = state_of(op)->dw != NULL ? dw_plan_shape(op, batch, height, width, &shape, caller)
                                     : q8_plan_shape(op, batch, shape.output_pixels, caller);
  if (status != sprig_status_success) {
    return status;
  }
  return sprig_commit_conv_reshape(op, batch, height, width, &shape, output_height_out, output_width_out);
}

enum sprig_status sprig_setup_conv2d_nchw_qs8(sprig_operator_t op, const int8_t* input, int8_t* output) {
  static const char caller[] = "sprig_setup_conv2d_nchw_qs8";
  const enum sprig_status status = sprig_check_operator(op, sprig_operator_type_conv2d_nchw_qs8, caller);
  if (status != sprig_status_success) {
    return status;
  }
  size_t input_bytes, output_bytes; /* int8: one byte per element */
  sprig_conv_tensor_elements(op, &input_bytes, &output_bytes);
  return sprig_bind_tensors(op, (const float*) (const void*) input, input_bytes, (float*) (void*) output,
                            output_bytes, caller);
}
