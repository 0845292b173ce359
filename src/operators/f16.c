/* f16 operators: linear f16 and conv2d_nchw f16 (IEEE half activations, weights and bias).
 *
 * One path for both. A run has up to two phases, each split over the pool:
 *   1. pack: the input becomes [K][pixels] half rows, the layout the f16 SpMM kernels read
 *      (src/sprig/f16-spmm.h). Linear layers of several batch rows transpose [batch][K] so that
 *      batch rows are pixels; convolutions gather their columns (input channel, ky, kx) for every
 *      output pixel (im2col, zeros in the padding). Skipped where the input already is that
 *      layout: a batch-1 linear layer (K rows of one pixel, 2 bytes apart) and a 1x1, stride-1,
 *      unpadded NCHW convolution (its channel planes; for the AVX512-FP16 kernels only planes
 *      whole cache lines apart, others are copied to aligned rows, on 2+ threads only as
 *      sprig_stages_on_threads says: see reads_planes_in_place).
 *   2. compute: tasks of (image, group, channel chunk, pixel tile) run the kernel on the shared
 *      f16 stream; a linear layer of several batch rows transposes each task's tile back.
 * Wide mode: where the best f16 kernels would widen every input half in software per multiply-add
 * (NEON without fp16 arithmetic, WebAssembly, scalar), and where they convert (F16C x86) for linear
 * layers below WIDE_BELOW_BATCH or with output-channel blocks, and for convolutions doing many
 * multiply-adds per converted value (WIDE_CONV_MACS_PER_VALUE), the operator runs an f32
 * operator of its own type instead: on a float copy of the weights (N:M, else CSR; derived data,
 * built once per weights object and shared), with the f32 bias and clamp; a run widens the
 * whole input into an f32 workspace (the f16-convert kernels), runs that operator -- every f32
 * path: SpMM with NR = 2 / 4 where channels form blocks, the convolution and depthwise kernels,
 * ... -- and rounds its f32 output to halves.
 * The sums are f32 either way, rounded to half once.
 * Matrix-vector plan: a linear layer (any format) at a batch below MATVEC_BELOW_BATCH, on any ISA,
 * runs the f32-sellmv kernels where an f32 CSR layer of the same nonzeros would (rows that pad
 * little in slices): phase 1 widens each batch row into a padded f32 vector, phase 2 runs the kernel on the
 * weights' sliced layout (f32 values, built once from the halves) over ranges of slices and
 * rounds each range to halves. (The f16 SpMM tiles would run one pixel in vectors of 8 or more.)
 * Where the ISA has a windowed f32-sellmv kernel (AVX-512F), CSR layers below
 * SPRIG_WINDOWED_BELOW_BATCH run it instead, on the weights' windowed layout, 4 batch rows per
 * weight pass, where an f32 CSR layer would (sprig_windowed_layout_preferred).
 * Linear 1 x 4 / 1 x 8 block weights take the block matrix-vector kernels instead, below
 * BSPMV_BELOW_BATCH (as f32 1 x C layers do): the f16-bspmv kernels on the packed halves where
 * the CPU widens halves in hardware (F16C, aarch64), else the f32-bspmv kernels on a widened copy
 * of the blocks (derived data, shared like wide mode's: WebAssembly, armv7, scalar targets).
 * The task grid depends on the shape only and every output element is computed by exactly one
 * task, so results are bitwise identical on any pool. */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/f16-stream.h>
#include <sprig/half.h>
#include <sprig/hardware.h>
#include <sprig/log.h>
#include <sprig/operator.h>
#include <sprig/sellmv.h>

/* Tasks a run's compute phase is cut into at least (when the shape allows). */
#define TARGET_TASKS 32
/* Pixels per compute task at most (rounded to the kernel's MR): 512 halves are 1 KiB per input
 * row, so a task's rows stay in L2 while its channels walk them. */
#define MAX_PIXEL_TILE 512
/* Elements per task of wide mode's conversions. */
#define CONVERT_CHUNK 4096
/* Bytes of packed convolution rows per pack task, about. */
#define PACK_TASK_BYTES 16384
/* Input rows of the linear transpose per pack task. */
#define TRANSPOSE_ROWS 16
/* Where the f16 kernels convert (F16C x86), linear layers run in wide mode below this batch, and
 * at every batch when their output channels come in blocks (BLOCK of 2+ rows, GROUP): the f16
 * tiles convert an input vector per nonzero, one channel at a time, where wide mode converts the
 * input once and runs the f32 operator, whose NR = 2 / 4 kernels load it once for several
 * channels. Other formats keep the f16 tiles from this batch on: the f32 copy's larger stream
 * lost on some large layers there (docs/f16-kernels.md, "Linear layers with F16C: wide mode"). */
#define WIDE_BELOW_BATCH 16
/* Where the f16 kernels convert (F16C x86), a convolution runs in wide mode when it does at least
 * this many multiply-adds per value its two conversion passes touch (input and output elements):
 * the conversions are then cheap next to the f16 tiles' conversion per nonzero, and KxK layers run
 * the f32 convolution kernels instead of im2col + tiles. Below it (1x1 layers of few channels
 * on large maps) the f32 copies' traffic costs more than the tiles' conversions. */
#define WIDE_CONV_MACS_PER_VALUE 10
/* Linear batches below this run the f32 matrix-vector kernel row by row (as f32 CSR layers do). */
#define MATVEC_BELOW_BATCH 4
/* The same for 1 x C block weights and the f16-bspmv kernels (the f32 1 x C layers' bound). */
#define BSPMV_BELOW_BATCH 8

struct f16_state {
  const struct sprig_f16_stream* stream; /* shared: owned by the weights; NULL until an SpMM plan */
  const struct sprig_f16_spmm_ukernel* chosen;
  const struct sprig_f16_spmm_ukernel* ukernel;
  uint16_t* bias;                        /* rows halves (zeros when the caller gave none) */
  struct sprig_f16_minmax_params params;

  /* What the f32 kernels read (wide mode and the matrix-vector plan): conversions, f32 bias
   * and clamp; NULL / unset when neither runs. */
  const struct sprig_f16_convert_ukernel* convert;
  float* f32_bias;                       /* rows */
  struct sprig_f32_minmax_params f32_params;
  /* Wide mode (see the top of this file): always where the f16 kernels widen in software, and
   * for linear layers where they convert (F16C: below WIDE_BELOW_BATCH, or with output-channel
   * blocks); `wide` is the current plan's. */
  bool widens_in_software;
  bool wide;
  const char* wide_kernel_name;          /* before the first wide plan: the f32 kernel it would take */
  sprig_operator_t wide_op;              /* the f32 operator; NULL until the first wide plan */
  float* wide_input;                     /* the input, widened (the caller's layout) */
  float* wide_result;                    /* wide_op's output, before the rounding */
  size_t wide_input_elements, wide_output_elements;
  float* matvec_output;                  /* matvec: [batch][rows] f32 sums */
  /* Linear layers at batches below MATVEC_BELOW_BATCH, on every ISA: the f32-sellmv kernel on
   * the weights' sliced layout (f32 values), one batch row at a time, as f32 CSR layers run. */
  const struct sprig_f32_sellmv_ukernel* sell_kernel; /* NULL once the sliced rows are known not to pay */
  const struct sprig_sell* sell;         /* shared: owned by the weights; NULL until a matvec plan */
  /* Its windowed partner and layout (CSR weights; settled with the sliced rows): NULL where the
   * ISA has none or the layout pads too much. */
  const struct sprig_f32_sellmv_ukernel* window_kernel;
  const struct sprig_sell* windowed; /* built by the first plan that runs window_kernel */
  size_t windowed_bytes;             /* its bytes, measured when the sliced rows are settled */
  bool sell_settled;                     /* settle_sliced_rows succeeded (sell may still be NULL: built on use) */
  bool matvec_windowed;                  /* the matrix-vector plan runs window_kernel, 4 rows per call */
  /* Linear 1 x C block weights below BSPMV_BELOW_BATCH: the f16-bspmv kernel on the halves, or
   * the f32-bspmv kernel on the widened blocks, instead (at most one set; then sell_kernel is
   * NULL). */
  const struct sprig_f16_bspmv_ukernel* bspmv_kernel;
  const struct sprig_f32_bspmv_ukernel* wide_bspmv_kernel;
  const struct sprig_f16_wide_blocks* wide_blocks; /* shared: owned by the weights; NULL until a matvec plan */
  const uint32_t* nblocks;               /* per row; shared: owned by the weights; NULL until a matvec plan */
  bool matvec;                           /* the plan runs sell_kernel or bspmv_kernel */
  float* matvec_input;                   /* [batch][matvec_stride] floats, zeros past the columns (the
                                          * zero slot of the sliced rows, the last block's padding) */
  size_t matvec_stride;
  size_t range_count;
  size_t* range_bounds;                  /* range_count + 1 bounds: slices (sell) or rows (row blocks) */
  size_t* range_blocks;                  /* row blocks: the first block of each range bound's row */

  /* Plan. */
  size_t images;        /* conv: batch; linear: 1 */
  size_t groups;
  size_t group_rows;    /* output channels per group */
  size_t group_cols;    /* weight columns per group */
  size_t pixels;        /* per image: output pixels (linear: batch) */
  bool direct;          /* the kernels read the caller's input as it is */
  bool in_place_on_threads; /* a 1x1 convolution's planes, packed only to align them, are read
                             * in place on pools of 2+ threads (sprig_stages_on_threads) */
  size_t row_stride;    /* elements between input rows the kernels read */
  size_t group_elements;/* elements from one group's input rows to the next group's */
  size_t image_elements;/* elements from one image's input rows to the next image's */
  void* packed;         /* the packed input halves; NULL when direct */
  uint16_t* transposed; /* linear, batch > 1, not wide: output [rows][row_stride] before the transpose */
  const struct sprig_x16_transpose_ukernel* transpose; /* of the linear input and output */
  size_t output_stride; /* elements between output rows the kernels write */
  size_t pixel_tile, pixel_tiles;
  size_t channel_chunk, channel_chunks;
  size_t pack_tasks;
  size_t pack_rows;     /* conv: packed rows per pack task */
};

static struct f16_state* state_of(const struct sprig_operator* op) {
  return (struct f16_state*) op->path_state;
}

static bool sums_in_half(enum sprig_isa isa);
static void free_plan(struct f16_state* s);

static bool is_linear(const struct sprig_operator* op) {
  return op->type == sprig_operator_type_linear_f16;
}

/* ---- path ops ---- */

static const char* f16_kernel_name(const struct sprig_operator* op) {
  const struct f16_state* s = state_of(op);
  if (s->matvec) {
    if (s->matvec_windowed) {
      return s->window_kernel->name;
    }
    return s->bspmv_kernel != NULL ? s->bspmv_kernel->name
           : s->wide_bspmv_kernel != NULL ? s->wide_bspmv_kernel->name
                                          : s->sell_kernel->name;
  }
  if (s->wide) {
    return s->wide_op != NULL ? sprig_operator_kernel_name(s->wide_op) : s->wide_kernel_name;
  }
  return s->ukernel->name;
}

static size_t f16_weight_bytes(const struct sprig_operator* op) {
  const struct f16_state* s = state_of(op);
  const size_t stream_bytes = s->stream != NULL ? sprig_f16_stream_bytes(s->stream) : 0;
  const size_t wide_bytes = (s->wide_op != NULL ? sprig_operator_weight_bytes(s->wide_op) : 0) +
                            (s->f32_bias != NULL ? op->rows * sizeof(float) : 0);
  const size_t sell_bytes = (s->sell != NULL ? sprig_sell_bytes(s->sell) : 0) +
                            (s->windowed != NULL ? sprig_sell_bytes(s->windowed) : 0);
  const size_t block_bytes = s->wide_blocks != NULL ? sprig_f16_wide_blocks_bytes(s->wide_blocks, op->weights->block_width) : 0;
  return stream_bytes + wide_bytes + sell_bytes + block_bytes;
}

static void f16_destroy(struct sprig_operator* op) {
  struct f16_state* s = state_of(op);
  if (s != NULL) {
    free_plan(s);
    sprig_delete_operator(s->wide_op);
    free(s->f32_bias);
    free(s->bias);
    free(s);
    op->path_state = NULL;
  }
}

/* ---- phase 1: packing the input ---- */

/* Packed elements [at, at + n) = the halves src[0], src[stride], ... */
static void put_halves(const struct f16_state* s, size_t at, const uint16_t* src, size_t stride, size_t n) {
  if (stride == 1) {
    memcpy((uint16_t*) s->packed + at, src, n * sizeof(uint16_t));
  } else {
    uint16_t* restrict out = (uint16_t*) s->packed + at;
    for (size_t i = 0; i < n; i++) {
      out[i] = src[i * stride];
    }
  }
}

/* Packed elements [at, at + n) = 0. */
static void put_zeros(const struct f16_state* s, size_t at, size_t n) {
  memset((uint16_t*) s->packed + at, 0, n * sizeof(uint16_t));
}

/* linear: input columns [k0, k0 + TRANSPOSE_ROWS) of every batch row into packed rows k, by the
 * x16-transpose kernel. */
static void transpose_input(const struct sprig_operator* op, const struct f16_state* s, size_t task) {
  const uint16_t* x = (const uint16_t*) (const void*) op->input;
  const size_t k0 = task * TRANSPOSE_ROWS, count = SPRIG_MIN(TRANSPOSE_ROWS, op->cols - k0);
  uint16_t* packed = (uint16_t*) s->packed + k0 * s->row_stride;
  s->transpose->fn(s->pixels, count, x + k0, op->cols * sizeof(uint16_t), packed, s->row_stride * sizeof(uint16_t));
}

/* Output columns [x0, x1) of kernel column kx read inside an input row; the others padding. */
static void inside_columns(const struct sprig_conv2d_params* p, size_t width, size_t ow, size_t kx, size_t* x0,
                           size_t* x1) {
  const size_t offset = kx * p->dilation_width, sw = p->stride_width;
  *x0 = SPRIG_MIN(offset >= p->padding_left ? 0 : sprig_divide_round_up(p->padding_left - offset, sw), ow);
  *x1 = SPRIG_MAX(
      SPRIG_MIN(width + p->padding_left > offset ? sprig_divide_round_up(width + p->padding_left - offset, sw) : 0, ow),
      *x0);
}

static bool conv_reads_input(const struct sprig_conv_geometry* conv);

/* conv: im2col row `column` (c, ky, kx) of group g of image `image`: the input value every
 * output pixel reads there, 0 in the padding. */
static void pack_conv_row(const struct sprig_operator* op, const struct f16_state* s, size_t image, size_t g,
                          size_t column) {
  const struct sprig_conv2d_params* p = &op->geometry.params;
  const size_t channels = (size_t) p->groups * p->input_channels;
  const size_t height = op->height, width = op->width;
  const size_t oh = op->output_height, ow = op->output_width;
  const uint16_t* base = (const uint16_t*) (const void*) op->input + image * channels * height * width;
  /* Strides of the input in elements: channel, row, column. */
  const size_t cs = op->geometry.input_nhwc ? 1 : height * width;
  const size_t ys = op->geometry.input_nhwc ? width * channels : width;
  const size_t xs = op->geometry.input_nhwc ? channels : 1;
  const size_t taps = (size_t) p->kernel_height * p->kernel_width;
  const size_t c = g * p->input_channels + column / taps;
  const size_t ky = column % taps / p->kernel_width, kx = column % p->kernel_width;
  const uint16_t* plane = base + c * cs;
  const size_t out = image * s->image_elements + g * s->group_elements + column * s->row_stride;
  if (conv_reads_input(&op->geometry)) {
    put_halves(s, out, plane, 1, height * width); /* a plane copied to a packed row */
    return;
  }
  size_t x0, x1;
  inside_columns(p, width, ow, kx, &x0, &x1);
  const size_t sw = p->stride_width, offset = kx * p->dilation_width;
  for (size_t y = 0; y < oh; y++) {
    const size_t row = out + y * ow;
    const ptrdiff_t iy = (ptrdiff_t) (y * p->stride_height + ky * p->dilation_height) - (ptrdiff_t) p->padding_top;
    if (iy < 0 || iy >= (ptrdiff_t) height) {
      put_zeros(s, row, ow);
      continue;
    }
    put_zeros(s, row, x0);
    const uint16_t* in = plane + (size_t) iy * ys + (x0 * sw + offset - p->padding_left) * xs;
    put_halves(s, row + x0, in, sw * xs, x1 - x0);
    put_zeros(s, row + x1, ow - x1);
  }
}

struct run_context {
  const struct sprig_operator* op;
  const struct f16_state* s;
  bool in_place; /* the kernels read the caller's input */
};

/* Elements between the input rows the kernels read, and between those of groups and images. */
struct row_layout {
  size_t row, group, image;
};

static struct row_layout read_layout(const struct run_context* ctx) {
  const struct f16_state* s = ctx->s;
  if (ctx->in_place && !s->direct) { /* a 1x1 convolution's planes where they are */
    const size_t group = s->pixels * s->group_cols;
    return (struct row_layout){s->pixels, group, group * s->groups};
  }
  return (struct row_layout){s->row_stride, s->group_elements, s->image_elements};
}

static void pack_task(void* context, size_t task) {
  const struct run_context* ctx = context;
  const struct f16_state* s = ctx->s;
  if (is_linear(ctx->op)) {
    transpose_input(ctx->op, s, task);
    return;
  }
  const size_t per_image = s->groups * s->group_cols;
  const size_t first = task * s->pack_rows, end = SPRIG_MIN(first + s->pack_rows, s->images * per_image);
  for (size_t row = first; row < end; row++) {
    const size_t image = row / per_image, rest = row % per_image;
    pack_conv_row(ctx->op, s, image, rest / s->group_cols, rest % s->group_cols);
  }
}

/* ---- phase 2: compute ---- */

/* linear, batch > 1: the transposed tile of channels [n0, n0 + nc) x batch rows [p0, p0 + mc)
 * into output [batch][rows]. */
static void transpose_output(const struct sprig_operator* op, const struct f16_state* s, size_t n0, size_t nc,
                             size_t p0, size_t mc) {
  uint16_t* output = (uint16_t*) (void*) op->output + p0 * op->rows + n0;
  s->transpose->fn(nc, mc, s->transposed + n0 * s->row_stride + p0, s->row_stride * sizeof(uint16_t), output,
                   op->rows * sizeof(uint16_t));
}

static void compute_task(void* context, size_t task) {
  const struct run_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct f16_state* s = ctx->s;
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
  const struct sprig_f16_stream* st = s->stream;
  const uint16_t* rows = ctx->in_place ? (const uint16_t*) (const void*) op->input : (const uint16_t*) s->packed;
  const struct row_layout in = read_layout(ctx);
  const uint16_t* input = rows + image * in.image + g * in.group + st->start_row[n0] * in.row + p0;
  const size_t e0 = st->first_entry[n0];
  uint16_t* output;
  size_t output_stride;
  if (s->transposed != NULL) {
    output = s->transposed + n0 * s->row_stride + p0;
    output_stride = s->row_stride;
  } else {
    output = (uint16_t*) (void*) op->output + (image * op->rows + n0) * s->pixels + p0;
    output_stride = s->pixels;
  }
  s->ukernel->fn(mc, nc, input, in.row * sizeof(uint16_t), s->bias + n0, st->weights + e0, st->deltas + e0,
                 st->nnz + n0, output, output_stride * sizeof(uint16_t), &s->params);
  if (s->transposed != NULL) {
    transpose_output(op, s, n0, nc, p0, mc);
  }
}

/* Whether the matrix-vector plan runs block kernels (else the sliced rows). */
static bool takes_row_blocks(const struct f16_state* s) {
  return s->bspmv_kernel != NULL || s->wide_bspmv_kernel != NULL;
}

/* Matrix-vector plan, phase 1: batch row b widened into its padded f32 vector. */
static void widen_vector(void* context, size_t b) {
  const struct run_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const uint16_t* x = (const uint16_t*) (const void*) op->input;
  ctx->s->convert->widen(op->cols, x + b * op->cols, ctx->s->matvec_input + b * ctx->s->matvec_stride);
}

/* Matrix-vector plan, phase 2: the rows of range `range` for batch row b, into the f32
 * workspace, then rounded to halves into the output (both [batch][rows]). */
static void matvec_task(void* context, size_t b, size_t range) {
  const struct run_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct f16_state* s = ctx->s;
  const float* x = s->matvec_input + b * s->matvec_stride;
  size_t r0, r1;
  if (takes_row_blocks(s)) {
    const struct sprig_weights* w = op->weights;
    const size_t first = s->range_blocks[range];
    r0 = s->range_bounds[range];
    r1 = s->range_bounds[range + 1];
    float* y = s->matvec_output + b * op->rows + r0;
    if (s->bspmv_kernel != NULL) {
      s->bspmv_kernel->fn(r1 - r0, x, s->f32_bias + r0, w->block_values_f16 + first * w->block_width,
                          w->block_col_gaps + first, s->nblocks + r0, y, &s->f32_params);
    } else {
      s->wide_bspmv_kernel->fn(r1 - r0, x, s->f32_bias + r0, s->wide_blocks->values + first * w->block_width,
                               s->wide_blocks->cols + first, s->nblocks + r0, y, &s->f32_params);
    }
  } else {
    const struct sprig_sell* sell = s->sell;
    const struct sprig_sell_range sr = sprig_sell_range(sell, s->range_bounds[range], s->range_bounds[range + 1]);
    r0 = sr.r0;
    r1 = sr.r1;
    s->sell_kernel->fn(r1 - r0, x, s->f32_bias + r0, sell->values + sr.first_slot, sell->offsets + sr.first_slot,
                       sell->widths + sr.s0, sell->col_base + sr.s0, s->matvec_output + b * op->rows + r0,
                       &s->f32_params);
  }
  s->convert->narrow(r1 - r0, s->matvec_output + b * op->rows + r0, (uint16_t*) (void*) op->output + b * op->rows + r0);
}

/* Windowed matrix-vector plan, phase 2: batch rows 4 x group .. of range `range` into the f32
 * workspace, then rounded to halves into the output. */
static void windowed_matvec_task(void* context, size_t group, size_t range) {
  const struct run_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct f16_state* s = ctx->s;
  const size_t first = group * SPRIG_F32_SELLMV_MAX_VECTORS;
  const size_t vectors = SPRIG_MIN(SPRIG_F32_SELLMV_MAX_VECTORS, s->pixels - first);
  float* sums = s->matvec_output + first * op->rows;
  const struct sprig_sell_range sr = sprig_run_windowed_slices(
      s->window_kernel, s->windowed, s->range_bounds[range], s->range_bounds[range + 1], vectors,
      s->matvec_input + first * s->matvec_stride, s->matvec_stride, s->f32_bias, sums, op->rows, &s->f32_params);
  uint16_t* y = (uint16_t*) (void*) op->output + first * op->rows;
  for (size_t j = 0; j < vectors; j++) {
    s->convert->narrow(sr.r1 - sr.r0, sums + j * op->rows + sr.r0, y + j * op->rows + sr.r0);
  }
}

/* Wide mode: elements [CONVERT_CHUNK x chunk, + CONVERT_CHUNK) of the input, widened. */
static void widen_input_chunk(void* context, size_t chunk) {
  const struct run_context* ctx = context;
  const struct f16_state* s = ctx->s;
  const size_t at = chunk * CONVERT_CHUNK, n = SPRIG_MIN(CONVERT_CHUNK, s->wide_input_elements - at);
  s->convert->widen(n, (const uint16_t*) (const void*) ctx->op->input + at, s->wide_input + at);
}

/* Wide mode: the same for the f32 operator's output, rounded to halves. */
static void narrow_output_chunk(void* context, size_t chunk) {
  const struct run_context* ctx = context;
  const struct f16_state* s = ctx->s;
  const size_t at = chunk * CONVERT_CHUNK, n = SPRIG_MIN(CONVERT_CHUNK, s->wide_output_elements - at);
  s->convert->narrow(n, s->wide_result + at, (uint16_t*) (void*) ctx->op->output + at);
}

static void f16_run(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool) {
  (void) input;
  (void) output;
  const struct f16_state* s = state_of(op);
  const bool on_threads = pthreadpool_get_threads_count(threadpool) > 1;
  struct run_context ctx = {op, s, s->direct || (on_threads && s->in_place_on_threads)};
  if (s->wide) {
    pthreadpool_parallelize_1d(threadpool, widen_input_chunk, &ctx,
                               sprig_divide_round_up(s->wide_input_elements, CONVERT_CHUNK), 0);
    (void) sprig_run_operator(s->wide_op, threadpool); /* set up by the plan: cannot fail */
    pthreadpool_parallelize_1d(threadpool, narrow_output_chunk, &ctx,
                               sprig_divide_round_up(s->wide_output_elements, CONVERT_CHUNK), 0);
    return;
  }
  if (s->matvec) {
    pthreadpool_parallelize_1d(threadpool, widen_vector, &ctx, s->pixels, 0);
    if (s->matvec_windowed) {
      const size_t groups = sprig_divide_round_up(s->pixels, SPRIG_F32_SELLMV_MAX_VECTORS);
      pthreadpool_parallelize_2d(threadpool, windowed_matvec_task, &ctx, groups, s->range_count, 0);
    } else {
      pthreadpool_parallelize_2d(threadpool, matvec_task, &ctx, s->pixels, s->range_count, 0);
    }
    return;
  }
  if (!ctx.in_place) {
    pthreadpool_parallelize_1d(threadpool, pack_task, &ctx, s->pack_tasks, 0);
  }
  pthreadpool_parallelize_1d(threadpool, compute_task, &ctx,
                             s->images * s->groups * s->channel_chunks * s->pixel_tiles, 0);
}

/* ---- plan ---- */

/* Tiles: pixel tiles of at most MAX_PIXEL_TILE (a multiple of MR), then channel chunks until the
 * run has TARGET_TASKS tasks (fixed by the shape, never by the pool). */
static void plan_tasks(struct f16_state* s) {
  const size_t mr = s->ukernel->mr;
  const size_t most = SPRIG_MAX(MAX_PIXEL_TILE / mr, 1) * mr;
  s->pixel_tiles = sprig_divide_round_up(s->pixels, most);
  s->pixel_tile = sprig_round_up(sprig_divide_round_up(s->pixels, s->pixel_tiles), mr);
  s->pixel_tiles = sprig_divide_round_up(s->pixels, s->pixel_tile);
  const size_t others = s->images * s->groups * s->pixel_tiles;
  const size_t chunks = SPRIG_MIN(sprig_divide_round_up(TARGET_TASKS, others), s->group_rows);
  s->channel_chunk = sprig_divide_round_up(s->group_rows, chunks);
  s->channel_chunks = sprig_divide_round_up(s->group_rows, s->channel_chunk);
}

/* Whether the kernels can read the convolution's NCHW input as it is (its channel planes are
 * the input rows). */
static bool conv_reads_input(const struct sprig_conv_geometry* conv) {
  const struct sprig_conv2d_params* p = &conv->params;
  return p->kernel_height == 1 && p->kernel_width == 1 && p->stride_height == 1 && p->stride_width == 1 &&
         p->padding_top == 0 && p->padding_right == 0 && p->padding_bottom == 0 && p->padding_left == 0 &&
         !conv->input_nhwc;
}

/* Halves per 64-byte cache line. */
#define LINE_HALVES 32

/* Packed rows of `pixels` halves: once they are a line long, an odd number of lines apart
 * (sprig_padded_row_bytes). */
static size_t packed_row_stride(size_t pixels) {
  return pixels < LINE_HALVES ? pixels : sprig_padded_row_bytes(pixels * sizeof(uint16_t)) / sizeof(uint16_t);
}

/* Whether the kernels read the channel planes of a 1x1 convolution (`plane` halves apart) in
 * place. Kernels whose vector loads are whole 64-byte lines (AVX512-FP16) get planes a line
 * long copied into packed rows when they are not whole lines apart (every load would split a
 * line) or are 4 KiB apart, unless the weights read each plane less than twice on average. The
 * F16C kernels (half-line loads, then conversions) lose more to the copy than they gain. */
static bool reads_planes_in_place(const struct sprig_operator* op, enum sprig_isa isa, size_t plane) {
  const size_t planes = (size_t) op->cols * op->geometry.params.groups;
  return isa != sprig_isa_avx512fp16 || plane < LINE_HALVES ||
         !sprig_row_stride_is_misaligned(plane * sizeof(uint16_t)) || op->weights->nnz < 2 * planes;
}

/* The f16 SpMM plans' weights, built on first use (shared by the weights' operators): the f16
 * stream; false when out of memory. A linear layer that never runs f16 SpMM tiles has none. */
static bool have_stream(const struct sprig_operator* op, struct f16_state* s) {
  if (s->stream == NULL) {
    s->stream = sprig_weights_f16_stream(op->weights);
  }
  return s->stream != NULL;
}

/* The matrix-vector plan's workspaces: padded f32 vectors and row or slice ranges. */
struct matvec_plan {
  float* input;
  size_t* range_bounds;
  size_t* range_blocks;
  size_t range_count;
};

/* Floats per padded input vector: the sliced rows' zero slot after the columns, or the last
 * block's columns past them. */
static size_t matvec_stride(const struct sprig_operator* op, const struct f16_state* s) {
  return takes_row_blocks(s) ? sprig_round_up(op->cols, op->weights->block_width) : op->cols + 1;
}

/* The ranges over the weights' sliced layout (settle_sliced_rows built it) or, for the block kernels,
 * over their rows (the row block counts and the widened blocks built on first use); false when
 * out of memory. */
static bool plan_ranges(struct sprig_operator* op, struct f16_state* s, const struct sprig_sell* layout, size_t wanted,
                        struct matvec_plan* mv) {
  if (takes_row_blocks(s)) {
    if (s->nblocks == NULL) {
      s->nblocks = sprig_weights_row_block_counts(op->weights);
    }
    if (s->wide_bspmv_kernel != NULL && s->wide_blocks == NULL) {
      s->wide_blocks = sprig_weights_f16_wide_blocks(op->weights);
      if (s->wide_blocks == NULL) {
        return false;
      }
    }
    wanted = SPRIG_MAX(1, SPRIG_MIN(op->rows, wanted));
    mv->range_bounds = malloc((wanted + 1) * sizeof(size_t));
    mv->range_blocks = malloc((wanted + 1) * sizeof(size_t));
    if (s->nblocks == NULL || mv->range_bounds == NULL || mv->range_blocks == NULL) {
      return false;
    }
    mv->range_count = sprig_split_block_rows(s->nblocks, op->rows, wanted, mv->range_bounds, mv->range_blocks);
    return true;
  }
  wanted = SPRIG_MAX(1, SPRIG_MIN(layout->slices, wanted));
  mv->range_bounds = malloc((wanted + 1) * sizeof(size_t));
  if (mv->range_bounds == NULL) {
    return false;
  }
  mv->range_count = sprig_split_sell_slices(layout, wanted, mv->range_bounds);
  return true;
}

/* The workspaces for `batch` rows and the ranges; false when out of memory (nothing allocated
 * then but the shared layouts). */
static bool plan_matvec(struct sprig_operator* op, struct f16_state* s, size_t batch, size_t input_bytes,
                        bool windowed, struct matvec_plan* mv) {
  if (!windowed && !takes_row_blocks(s) && s->sell == NULL) {
    s->sell = sprig_weights_sell(op->weights, s->sell_kernel->slice_rows);
    if (s->sell == NULL) {
      return false;
    }
  }
  if (windowed && s->windowed == NULL) {
    bool usable;
    s->windowed = sprig_weights_windowed_sell(op->weights, s->window_kernel->slice_rows,
                                              s->window_kernel->window_cols, &usable);
    if (s->windowed == NULL) {
      return false;
    }
  }
  mv->input = sprig_allocate_aligned(input_bytes); /* zero-filled: the padding stays 0 */
  const size_t groups = windowed ? sprig_divide_round_up(batch, SPRIG_F32_SELLMV_MAX_VECTORS) : batch;
  const struct sprig_sell* layout = windowed ? s->windowed : s->sell;
  if (mv->input == NULL || !plan_ranges(op, s, layout, sprig_divide_round_up(TARGET_TASKS, groups), mv)) {
    free(mv->input);
    free(mv->range_bounds);
    free(mv->range_blocks);
    *mv = (struct matvec_plan){0};
    return false;
  }
  return true;
}

/* The first plan that could run the sliced rows settles whether they pay, once: the layout
 * pads little, else the route is given up for good. Where a windowed kernel may take batches 1-15,
 * both layouts are only measured here and each is built by the first plan that runs it (the
 * sliced one: batch 1 over the windowed layout's L2 budget, or windows that pad too much);
 * otherwise the sliced layout is built now (one read of the weights for both). */
static enum sprig_status settle_sliced_rows(struct sprig_operator* op, struct f16_state* s, const char* caller) {
  bool usable;
  if (s->window_kernel != NULL) {
    usable = sprig_sell_usable(op->weights, s->sell_kernel->slice_rows);
  } else {
    s->sell = sprig_weights_usable_sell(op->weights, s->sell_kernel->slice_rows, &usable);
    if (s->sell == NULL && usable) {
      sprig_log_error("%s: out of memory for the sliced layout", caller);
      return sprig_status_out_of_memory;
    }
  }
  if (!usable) {
    s->sell_kernel = NULL;
    s->window_kernel = NULL;
  }
  if (s->window_kernel != NULL) {
    bool measured;
    usable = sprig_windowed_sell_usable(op->weights, s->window_kernel->slice_rows, s->window_kernel->window_cols,
                                        &measured, &s->windowed_bytes);
    if (!measured) {
      sprig_log_error("%s: out of memory for measuring the windowed layout", caller);
      return sprig_status_out_of_memory;
    }
    if (!usable) {
      s->window_kernel = NULL;
    }
  }
  s->sell_settled = true;
  return sprig_status_success;
}

/* Frees the current plan's workspaces (the f32 operator of wide mode stays, for the next wide
 * plan). */
static void free_plan(struct f16_state* s) {
  free(s->packed);
  free(s->transposed);
  free(s->matvec_output);
  free(s->matvec_input);
  free(s->range_bounds);
  free(s->range_blocks);
  free(s->wide_input);
  free(s->wide_result);
  s->packed = NULL;
  s->transposed = NULL;
  s->matvec_output = NULL;
  s->matvec_input = NULL;
  s->range_bounds = NULL;
  s->range_blocks = NULL;
  s->wide_input = NULL;
  s->wide_result = NULL;
}

/* Wide mode's f32 operator, of the same type on the weights' float copy, made on first use. */
static enum sprig_status have_wide_op(struct sprig_operator* op, struct f16_state* s, const char* caller) {
  if (s->wide_op != NULL) {
    return sprig_status_success;
  }
  struct sprig_weights* view = sprig_weights_f16_float_view(op->weights);
  if (view == NULL) {
    sprig_log_error("%s: out of memory for the weights' float copy", caller);
    return sprig_status_out_of_memory;
  }
  const float lo = s->f32_params.min, hi = s->f32_params.max;
  if (is_linear(op)) {
    return sprig_create_linear_from_weights_f32(view, s->f32_bias, lo, hi, 0, &s->wide_op);
  }
  const uint32_t flags = op->geometry.input_nhwc ? SPRIG_FLAG_INPUT_NHWC : 0;
  return sprig_create_conv2d_nchw_from_weights_f32(&op->geometry.params, view, s->f32_bias, lo, hi, flags,
                                                   &s->wide_op);
}

/* Wide mode's plan: the f32 operator reshaped for `images` images of `pixels` output pixels
 * each and set up on new f32 workspaces; keeps the previous plan on error. */
static enum sprig_status plan_wide(struct sprig_operator* op, struct f16_state* s, size_t images, size_t pixels,
                                   const char* caller) {
  const bool linear = is_linear(op);
  const size_t channels = linear ? op->cols : (size_t) op->geometry.params.groups * op->geometry.params.input_channels;
  const size_t input_pixels = linear ? pixels : op->height * op->width;
  size_t in_elements, out_elements;
  if (!sprig_mul3_size(images, input_pixels, channels, &in_elements) ||
      !sprig_mul3_size(images, pixels, op->rows, &out_elements) || in_elements > SIZE_MAX / sizeof(float) ||
      out_elements > SIZE_MAX / sizeof(float)) {
    sprig_log_error("%s: the workspaces of this shape overflow size_t", caller);
    return sprig_status_invalid_parameter;
  }
  enum sprig_status status = have_wide_op(op, s, caller);
  if (status != sprig_status_success) {
    return status;
  }
  float* in = sprig_allocate_aligned(SPRIG_MAX(in_elements, 1) * sizeof(float));
  float* out = sprig_allocate_aligned(SPRIG_MAX(out_elements, 1) * sizeof(float));
  if (in == NULL || out == NULL) {
    free(in);
    free(out);
    sprig_log_error("%s: out of memory for the workspaces", caller);
    return sprig_status_out_of_memory;
  }
  status = linear ? sprig_reshape_linear_f32(s->wide_op, pixels)
                  : sprig_reshape_conv2d_nchw_f32(s->wide_op, images, op->height, op->width, NULL, NULL);
  if (status == sprig_status_success) {
    status = linear ? sprig_setup_linear_f32(s->wide_op, in, out) : sprig_setup_conv2d_nchw_f32(s->wide_op, in, out);
  }
  if (status != sprig_status_success) {
    free(in);
    free(out);
    return status;
  }
  free_plan(s);
  s->wide = true;
  s->matvec = false;
  s->wide_input = in;
  s->wide_result = out;
  s->wide_input_elements = in_elements;
  s->wide_output_elements = out_elements;
  s->images = images;
  s->pixels = pixels;
  return sprig_status_success;
}

/* Whether the weights' output channels come in blocks (the f32 operator's NR = 2 / 4 kernels). */
static bool has_channel_blocks(const struct sprig_weights* w) {
  return (w->pattern.format == SPRIG_FORMAT_BLOCK || w->pattern.format == SPRIG_FORMAT_GROUP) && w->block_height > 1;
}

/* Whether a convolution of `pixels` output pixels per image runs in wide mode where the f16
 * kernels convert (WIDE_CONV_MACS_PER_VALUE). */
static bool conv_pays_widening(const struct sprig_operator* op, size_t pixels) {
  const struct sprig_conv2d_params* p = &op->geometry.params;
  const double inputs = (double) p->groups * p->input_channels * (double) op->height * (double) op->width;
  const double outputs = (double) op->rows * (double) pixels;
  return (double) op->weights->nnz * (double) pixels >= WIDE_CONV_MACS_PER_VALUE * (inputs + outputs);
}

/* Plans `images` images of `pixels` output pixels each; keeps the previous plan on error. */
static enum sprig_status f16_plan_shape(struct sprig_operator* op, size_t images, size_t pixels, const char* caller) {
  struct f16_state* s = state_of(op);
  const bool linear = is_linear(op);
  const size_t matvec_below = s->window_kernel != NULL ? SPRIG_WINDOWED_BELOW_BATCH : MATVEC_BELOW_BATCH;
  if (linear && pixels < matvec_below && s->sell_kernel != NULL && !s->sell_settled) {
    const enum sprig_status status = settle_sliced_rows(op, s, caller);
    if (status != sprig_status_success) {
      return status;
    }
  }
  const size_t groups = linear ? 1 : op->geometry.params.groups;
  const size_t group_cols = op->cols;
  /* The matrix-vector plan packs into its own padded vectors instead. */
  const bool windowed = linear && s->sell_settled && s->window_kernel != NULL && pixels < SPRIG_WINDOWED_BELOW_BATCH &&
                        sprig_windowed_layout_preferred(s->windowed_bytes, pixels);
  const bool matvec = linear && ((takes_row_blocks(s) && pixels < BSPMV_BELOW_BATCH) ||
                                 (s->sell_kernel != NULL && pixels < MATVEC_BELOW_BATCH) || windowed);
  const bool wide_linear = pixels < WIDE_BELOW_BATCH || has_channel_blocks(op->weights);
  const bool converts = !sums_in_half(s->chosen->isa);
  const bool wide_conv = !linear && converts && conv_pays_widening(op, pixels);
  if (!matvec && (s->widens_in_software || (linear && wide_linear && converts) || wide_conv)) {
    return plan_wide(op, s, images, pixels, caller);
  }
  const size_t input_pixels = linear ? 1 : op->height * op->width;
  const bool direct = linear ? pixels == 1
                              : conv_reads_input(&op->geometry) &&
                                    reads_planes_in_place(op, s->chosen->isa, input_pixels);
  const size_t row_stride = direct ? input_pixels : packed_row_stride(pixels);
  /* Output rows: the transposed tiles are [rows][row_stride] for a linear layer of several batch
   * rows, else the output's own [rows][pixels]; the matrix-vector sums [batch][rows]. */
  const size_t output_stride = linear && pixels > 1 ? row_stride : pixels;
  size_t group_elements, image_elements, packed_elements = 0, transposed_elements = 0, matvec_elements = 0;
  size_t matvec_bytes = 0;
  if (pixels > SIZE_MAX / 64 || !sprig_mul_size(row_stride, group_cols, &group_elements) ||
      (matvec && !sprig_mul3_size(pixels, matvec_stride(op, s), sizeof(float), &matvec_bytes)) ||
      !sprig_mul_size(group_elements, groups, &image_elements) ||
      (!direct && !matvec && !sprig_mul_size(image_elements, images, &packed_elements)) ||
      (linear && !direct && !matvec && !sprig_mul_size(row_stride, op->rows, &transposed_elements)) ||
      (matvec && !sprig_mul3_size(images, op->rows, output_stride, &matvec_elements)) ||
      packed_elements > SIZE_MAX / sizeof(uint16_t) || transposed_elements > SIZE_MAX / 2 ||
      matvec_elements > SIZE_MAX / sizeof(float)) {
    sprig_log_error("%s: the workspaces of this shape overflow size_t", caller);
    return sprig_status_invalid_parameter;
  }
  if (!matvec && !have_stream(op, s)) {
    sprig_log_error("%s: out of memory for the weights' kernel stream", caller);
    return sprig_status_out_of_memory;
  }
  struct matvec_plan mv = {0};
  if (matvec && !plan_matvec(op, s, pixels, matvec_bytes, windowed, &mv)) {
    sprig_log_error("%s: out of memory for the matrix-vector layouts or workspaces", caller);
    return sprig_status_out_of_memory;
  }
  void* packed = direct || matvec ? NULL : sprig_allocate_aligned(packed_elements * sizeof(uint16_t));
  uint16_t* transposed = transposed_elements == 0 ? NULL : sprig_allocate_aligned(transposed_elements * sizeof(uint16_t));
  float* matvec_output = matvec_elements == 0 ? NULL : sprig_allocate_aligned(matvec_elements * sizeof(float));
  if ((!direct && !matvec && packed == NULL) || (transposed_elements != 0 && transposed == NULL) ||
      (matvec_elements != 0 && matvec_output == NULL)) {
    free(packed);
    free(transposed);
    free(matvec_output);
    free(mv.input);
    free(mv.range_bounds);
    free(mv.range_blocks);
    sprig_log_error("%s: out of memory for the workspaces", caller);
    return sprig_status_out_of_memory;
  }
  free_plan(s);
  s->matvec = matvec;
  s->matvec_windowed = windowed;
  s->wide = false;
  s->matvec_input = mv.input;
  s->matvec_stride = matvec_stride(op, s);
  s->range_bounds = mv.range_bounds;
  s->range_blocks = mv.range_blocks;
  s->range_count = mv.range_count;
  s->matvec_output = matvec_output;
  s->output_stride = output_stride;
  s->images = images;
  s->groups = groups;
  s->group_rows = op->rows / groups;
  s->group_cols = group_cols;
  s->pixels = pixels;
  s->direct = direct;
  const size_t plane_bytes = input_pixels * sizeof(uint16_t);
  s->in_place_on_threads = !linear && !direct && conv_reads_input(&op->geometry) &&
                           !sprig_stages_on_threads(plane_bytes, plane_bytes);
  s->row_stride = row_stride;
  s->group_elements = group_elements;
  s->image_elements = image_elements;
  s->packed = packed;
  s->transposed = transposed;
  s->transpose = sprig_choose_x16_transpose_ukernel(sprig_get_hardware());
  s->pack_rows = SPRIG_MAX(1, PACK_TASK_BYTES / (row_stride * sizeof(uint16_t)));
  s->pack_tasks = linear ? sprig_divide_round_up(op->cols, TRANSPOSE_ROWS)
                         : sprig_divide_round_up(images * groups * group_cols, s->pack_rows);
  s->ukernel = sprig_fit_f16_spmm_ukernel(sprig_get_hardware(), s->chosen, pixels);
  plan_tasks(s);
  return sprig_status_success;
}

static const struct sprig_path_ops f16_path = {
    .name = "f16",
    .kernel_name = f16_kernel_name,
    .weight_bytes = f16_weight_bytes,
    .run = f16_run,
    .destroy = f16_destroy,
};

/* ---- create ---- */

/* Whether the f16 kernels of this ISA sum in half precision (fp16 arithmetic: no conversions). */
static bool sums_in_half(enum sprig_isa isa) {
  return isa == sprig_isa_neonfp16arith || isa == sprig_isa_avx512fp16;
}

/* Whether the f16 kernels of this ISA widen each input half in software (no F16C, no fp16
 * arithmetic): the operator then runs in wide mode. */
static bool widens_in_software(enum sprig_isa isa) {
  return isa == sprig_isa_scalar || isa == sprig_isa_neonfma || isa == sprig_isa_wasmsimd;
}

/* For linear BLOCK 1 x C weights: the block matrix-vector kernel of the best allowed ISA, the
 * f16 one where it widens in hardware (*f16), else the f32 one on the widened blocks (*f32);
 * both NULL when neither applies (block columns past 16 bits, no kernel for that C). */
static void choose_row_blocks_kernel(const struct sprig_weights* w, const struct sprig_hardware* hardware,
                                     const struct sprig_f16_bspmv_ukernel** f16,
                                     const struct sprig_f32_bspmv_ukernel** f32) {
  *f16 = NULL;
  *f32 = NULL;
  if (w->pattern.format != SPRIG_FORMAT_BLOCK || w->block_height != 1) {
    return;
  }
  const uint32_t c = (uint32_t) w->block_width;
  const struct sprig_f16_bspmv_ukernel* k = sprig_choose_f16_bspmv_ukernel(hardware, c);
  /* WebAssembly and scalar kernels widen every weight in software: slower than the f32 kernels
   * on widened blocks (by 3-7x under node). */
  if (k != NULL && w->block_col_gaps != NULL && k->isa != sprig_isa_scalar && k->isa != sprig_isa_wasmsimd &&
      sprig_isa_is_best(hardware, k->isa)) {
    *f16 = k;
    return;
  }
  const struct sprig_f32_bspmv_ukernel* wide = sprig_choose_f32_bspmv_ukernel(hardware, c);
  if (wide != NULL && sprig_f16_wide_blocks_fit(w)) {
    *f32 = wide;
  }
}

/* What the f32 kernels read: the conversion kernels and the f32 bias and clamp (wide mode's f32
 * operator takes them, see have_wide_op); false when out of memory. */
static bool prepare_f32_kernels(struct sprig_weights* weights, struct f16_state* s,
                                const struct sprig_hardware* hardware) {
  const size_t rows = weights->rows;
  s->convert = sprig_choose_f16_convert_ukernel(hardware);
  s->f32_bias = malloc(SPRIG_MAX(rows, 1) * sizeof(float));
  if (s->f32_bias == NULL) {
    return false;
  }
  for (size_t n = 0; n < rows; n++) {
    s->f32_bias[n] = sprig_half_to_float(s->bias[n]);
  }
  s->f32_params = (struct sprig_f32_minmax_params){s->params.min, s->params.max};
  s->wide_kernel_name = sprig_choose_f32_spmm_ukernel(hardware)->name;
  return true;
}

/* The clamp rounded to halves (in both precisions, for either kind of kernel). */
static struct sprig_f16_minmax_params clamp_params(float output_min, float output_max) {
  const uint16_t min_f16 = sprig_float_to_half(output_min), max_f16 = sprig_float_to_half(output_max);
  return (struct sprig_f16_minmax_params){sprig_half_to_float(min_f16), sprig_half_to_float(max_f16), min_f16,
                                          max_f16};
}

static enum sprig_status create_f16_operator(enum sprig_operator_type type, const struct sprig_conv_geometry* conv,
                                             struct sprig_weights* weights, const uint16_t* bias, float output_min,
                                             float output_max, uint32_t flags, const char* caller,
                                             sprig_operator_t* op_out) {
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
  if (weights->dtype != sprig_weights_dtype_f16) {
    sprig_log_error("%s: the weights are %s: pack f16 weights with sprig_pack_weights_f16", caller,
                    weights->dtype == sprig_weights_dtype_qs8 ? "int8" : "f32");
    return sprig_status_invalid_parameter;
  }
  enum sprig_status status = sprig_check_clamp(output_min, output_max, caller);
  if (status != sprig_status_success) {
    return status;
  }
  struct sprig_operator* op = sprig_new_operator(type, weights, conv, sizeof(struct f16_state), caller);
  if (op == NULL) {
    return sprig_status_out_of_memory;
  }
  op->path = &f16_path;
  struct f16_state* s = op->path_state;
  s->params = clamp_params(output_min, output_max);
  s->chosen = sprig_choose_f16_spmm_ukernel(hardware);
  s->ukernel = s->chosen;
  s->bias = calloc(weights->rows, sizeof(uint16_t));
  if (s->bias == NULL) {
    sprig_log_error("%s: out of memory", caller);
    sprig_delete_operator(op);
    return sprig_status_out_of_memory;
  }
  if (bias != NULL) {
    memcpy(s->bias, bias, weights->rows * sizeof(uint16_t));
  }
  s->widens_in_software = widens_in_software(s->chosen->isa);
  s->wide = s->widens_in_software;
  /* At small batches the f16 SpMM tiles would run one pixel in vectors of 8 or more. */
  if (type == sprig_operator_type_linear_f16) {
    choose_row_blocks_kernel(weights, hardware, &s->bspmv_kernel, &s->wide_bspmv_kernel);
    /* Whether the sliced rows (and the windowed ones) pay is settled by the first plan that could
     * run them (below MATVEC_BELOW_BATCH, or SPRIG_WINDOWED_BELOW_BATCH with a windowed kernel). */
    s->sell_kernel = !takes_row_blocks(s) ? sprig_sliced_rows_candidate(hardware) : NULL;
    s->window_kernel = weights->pattern.format == SPRIG_FORMAT_CSR ? sprig_f32_sellmv_window_partner(s->sell_kernel)
                                                                   : NULL;
  }
  if ((s->wide || type == sprig_operator_type_linear_f16 || !sums_in_half(s->chosen->isa)) &&
      !prepare_f32_kernels(weights, s, hardware)) {
    sprig_log_error("%s: out of memory", caller);
    sprig_delete_operator(op);
    return sprig_status_out_of_memory;
  }
  sprig_log_debug("%s: %zu x %zu, %zu nonzeros, kernel %s%s", caller, weights->rows, weights->cols,
                  weights->nnz, s->wide ? s->wide_kernel_name : s->chosen->name,
                  s->wide ? " (f32 on widened halves)" : "");
  *op_out = op;
  return sprig_status_success;
}

/* Packs f16 weights for a create call, then makes the operator (the packed weights' reference
 * passes to the operator). */
static enum sprig_status pack_and_create(enum sprig_operator_type type, const struct sprig_conv_geometry* conv,
                                         size_t rows, size_t cols, const uint16_t* weights, const uint16_t* bias,
                                         const struct sprig_sparsity* pattern, float output_min, float output_max,
                                         uint32_t flags, const struct sprig_pack_names* names,
                                         sprig_operator_t* op_out) {
  if (op_out == NULL) {
    sprig_log_error("%s: op_out is NULL", names->function);
    return sprig_status_invalid_parameter;
  }
  enum sprig_status status = sprig_check_clamp(output_min, output_max, names->function);
  if (status != sprig_status_success) {
    return status;
  }
  struct sprig_weights* packed = NULL;
  status = sprig_pack_dense_f16(rows, cols, weights, pattern, flags & SPRIG_FLAG_PRUNE, names, &packed);
  if (status != sprig_status_success) {
    return status;
  }
  status = create_f16_operator(type, conv, packed, bias, output_min, output_max, 0, names->function, op_out);
  sprig_release_weights(packed);
  return status;
}

enum sprig_status sprig_create_linear_f16(size_t in_features, size_t out_features, const uint16_t* weights,
                                          const uint16_t* bias, const struct sprig_sparsity* pattern,
                                          float output_min, float output_max, uint32_t flags,
                                          sprig_operator_t* op_out) {
  static const struct sprig_pack_names names = {"sprig_create_linear_f16", "out_features", "in_features", "weights"};
  if ((flags & ~SPRIG_FLAG_PRUNE) != 0) {
    sprig_log_error("%s: unknown flags 0x%08x", names.function, (unsigned) (flags & ~SPRIG_FLAG_PRUNE));
    return sprig_status_invalid_parameter;
  }
  return pack_and_create(sprig_operator_type_linear_f16, NULL, out_features, in_features, weights, bias, pattern,
                         output_min, output_max, flags, &names, op_out);
}

enum sprig_status sprig_create_linear_from_weights_f16(sprig_weights_t weights, const uint16_t* bias,
                                                       float output_min, float output_max, uint32_t flags,
                                                       sprig_operator_t* op_out) {
  return create_f16_operator(sprig_operator_type_linear_f16, NULL, weights, bias, output_min, output_max, flags,
                             "sprig_create_linear_from_weights_f16", op_out);
}

enum sprig_status sprig_create_conv2d_nchw_f16(const struct sprig_conv2d_params* params, const uint16_t* weights,
                                               const uint16_t* bias, const struct sprig_sparsity* pattern,
                                               float output_min, float output_max, uint32_t flags,
                                               sprig_operator_t* op_out) {
  static const struct sprig_pack_names names = {"sprig_create_conv2d_nchw_f16", "groups x output_channels",
                                                "input_channels x kernel_height x kernel_width", "weights"};
  struct sprig_conv_geometry geometry;
  const enum sprig_status status = sprig_check_conv_params(params, flags, SPRIG_FLAG_PRUNE | SPRIG_FLAG_INPUT_NHWC,
                                                           names.function, &geometry);
  if (status != sprig_status_success) {
    return status;
  }
  return pack_and_create(sprig_operator_type_conv2d_nchw_f16, &geometry, params->groups * params->output_channels,
                         params->input_channels * params->kernel_height * params->kernel_width, weights, bias,
                         pattern, output_min, output_max, flags, &names, op_out);
}

enum sprig_status sprig_create_conv2d_nchw_from_weights_f16(const struct sprig_conv2d_params* params,
                                                            sprig_weights_t weights, const uint16_t* bias,
                                                            float output_min, float output_max, uint32_t flags,
                                                            sprig_operator_t* op_out) {
  static const char caller[] = "sprig_create_conv2d_nchw_from_weights_f16";
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
  return create_f16_operator(sprig_operator_type_conv2d_nchw_f16, &geometry, weights, bias, output_min, output_max, 0,
                             caller, op_out);
}

/* ---- reshape and setup ---- */

enum sprig_status sprig_reshape_linear_f16(sprig_operator_t op, size_t batch) {
  static const char caller[] = "sprig_reshape_linear_f16";
  enum sprig_status status = sprig_check_operator(op, sprig_operator_type_linear_f16, caller);
  if (status != sprig_status_success) {
    return status;
  }
  size_t bytes;
  if (batch == 0 || !sprig_mul3_size(batch, SPRIG_MAX(op->rows, op->cols), sizeof(uint16_t), &bytes) ||
      batch > UINT32_MAX) {
    sprig_log_error("%s: batch (%zu) must be > 0, and the tensors' byte sizes must fit size_t", caller, batch);
    return sprig_status_invalid_parameter;
  }
  if ((status = f16_plan_shape(op, 1, batch, caller)) != sprig_status_success) {
    return status;
  }
  op->batch = batch;
  sprig_finish_reshape(op);
  return sprig_status_success;
}

enum sprig_status sprig_setup_linear_f16(sprig_operator_t op, const uint16_t* input, uint16_t* output) {
  static const char caller[] = "sprig_setup_linear_f16";
  const enum sprig_status status = sprig_check_operator(op, sprig_operator_type_linear_f16, caller);
  if (status != sprig_status_success) {
    return status;
  }
  return sprig_bind_tensors(op, (const float*) (const void*) input, op->batch * op->cols * sizeof(uint16_t),
                            (float*) (void*) output, op->batch * op->rows * sizeof(uint16_t), caller);
}

enum sprig_status sprig_reshape_conv2d_nchw_f16(sprig_operator_t op, size_t batch, size_t height, size_t width,
                                                size_t* output_height_out, size_t* output_width_out) {
  static const char caller[] = "sprig_reshape_conv2d_nchw_f16";
  enum sprig_status status = sprig_check_operator(op, sprig_operator_type_conv2d_nchw_f16, caller);
  if (status != sprig_status_success) {
    return status;
  }
  struct sprig_conv_shape shape;
  if ((status = sprig_check_conv_shape(op, batch, height, width, sizeof(uint16_t), caller, &shape)) != sprig_status_success) {
    return status;
  }
  /* The plan reads the input size (direct convolutions stride their rows by it). */
  const size_t old_height = op->height, old_width = op->width;
  op->height = height;
  op->width = width;
  if ((status = f16_plan_shape(op, batch, shape.output_pixels, caller)) != sprig_status_success) {
    op->height = old_height;
    op->width = old_width;
    return status;
  }
  return sprig_commit_conv_reshape(op, batch, height, width, &shape, output_height_out, output_width_out);
}

enum sprig_status sprig_setup_conv2d_nchw_f16(sprig_operator_t op, const uint16_t* input, uint16_t* output) {
  static const char caller[] = "sprig_setup_conv2d_nchw_f16";
  const enum sprig_status status = sprig_check_operator(op, sprig_operator_type_conv2d_nchw_f16, caller);
  if (status != sprig_status_success) {
    return status;
  }
  size_t input_elements, output_elements;
  sprig_conv_tensor_elements(op, &input_elements, &output_elements);
  return sprig_bind_tensors(op, (const float*) (const void*) input, input_elements * sizeof(uint16_t),
                            (float*) (void*) output, output_elements * sizeof(uint16_t), caller);
}
