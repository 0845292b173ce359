/*
 * The convolution path: every convolution that is not a plain per-pixel product (KxK kernels,
 * strides, dilation, padding, groups, depthwise, NHWC input).
 *
 * Staging. Each run first copies every input channel of every image into zero-padded "phase
 * planes": for strides sh x sw, plane (py, px) of channel c holds
 *   plane[i][j] = padded_input[c][i*sh + py][j*sw + px]     (0 outside the input)
 * with Hq = output_height + amax rows and P = output_width + bmax columns, where
 * amax = dh*(kh-1) / sh and bmax = dw*(kw-1) / sw. Tap (ky, kx) of output pixel (y, x) is then
 *   plane(ky*dh % sh, kx*dw % sw)[y + ky*dh / sh][x + kx*dw / sw],
 * a fixed offset from position y*P + x of the plane: every stored weight becomes one byte offset,
 * and the kernels read consecutive pixels with no border logic and never outside the staging
 * buffer (the caller's input is read only by the staging copy, inside its bounds). The buffer is
 * zeroed when reshape allocates it and runs write only the columns inside the input, so the
 * padding stays zero; phases no stored weight reads are never written. Layers with one input
 * channel per group and one task per (image, channel) stage the channel inside that task, so
 * the kernel finds it in cache; the others stage every channel first, then compute.
 *
 * Computing. Depthwise 3x3 and 5x5 layers (groups == input channels, one input channel per
 * group) run dense kernels, one channel per call, taps in registers: f32-dwconv2d-chw straight
 * from the caller's NCHW input (no staging: padding inside the kernel) when the layer is padded
 * (k-1)/2 on the left, at most that elsewhere, with stride 1 or 2 and the ISA has them; else
 * f32-dwconv over the staged planes. Everything else runs the f32-spconv kernels over each
 * channel's stored weights (any format, as per-row entries; blocks of four channels with one
 * mask share their offsets in the NR = 4 kernels). Output rows of SPRIG_CONV_ROW_PIXELS or more
 * pixels are one kernel call each; narrower maps are computed as one run of pixels per row
 * block across the plane width P (the bmax pixels past each row's end are computed into a
 * workspace and dropped when the rows are copied out).
 *
 * Work split. Tasks are (image, block of output rows, channel range), ranges never crossing a
 * group. The blocks and ranges depend on the shape only, so results are bitwise identical for
 * any pool.
 */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/log.h>
#include <sprig/operator.h>
#include <sprig/workspace.h>

/* Output rows at least this wide are computed row by row straight into the output. */
#define SPRIG_CONV_ROW_PIXELS 64

/* The task count a run is cut into at least when the shape allows (independent of the pool, so
 * results never depend on it), and the fewest output pixels a block of rows may hold. */
#define TARGET_TASKS 32
#define MIN_TASK_PIXELS 128

/* The stored weights by unit: one output channel (nr = 1) or a block of nr channels whose
 * stored columns are the same (nr = 4: the kernels share each offset across the block). */
struct conv_entries {
  size_t nr;
  float* values;       /* per unit, per entry: nr values */
  uint32_t* columns;   /* per unit, per entry: its column c * kh * kw + ky * kw + kx */
  uint32_t* counts;    /* entries per unit */
  size_t total;        /* entries */
};

struct conv_range {
  size_t first_channel;
  size_t channel_count;
  size_t first_entry;  /* spconv: the range's first entry (its values start at first_entry * nr) */
  size_t group;
};

struct conv_state {
  /* Depthwise kernel (NULL: spconv) and its per-channel bias + taps; `direct` (or NULL) reads
   * the NCHW input itself, padding inside the kernel, with `zero` as its padding row. */
  const struct sprig_f32_dwconv_ukernel* dwconv;
  const struct sprig_f32_dwconv2d_chw_ukernel* direct;
  float* zero;
  float* dw_weights;
  int32_t dw_offsets[64];
  /* spconv: the chosen kernel, the one fitted at plan, the entries and their offsets. */
  const struct sprig_f32_spconv_ukernel* chosen;
  const struct sprig_f32_spconv_ukernel* ukernel;
  struct conv_entries entries;
  int32_t* offsets;
  /* Phase planes (py * sw + px) some stored weight reads: the others are not staged. */
  bool phase_used[16 * 16];
  /* Per column phase px: the plane columns [first, end) that lie inside the input (plan). */
  size_t column_first[16];
  size_t column_end[16];

  /* Plan (reshape). */
  size_t input_height, input_width;
  size_t output_height, output_width;
  size_t plane_rows, plane_width;      /* Hq, P */
  size_t plane_floats;                 /* Hq * P */
  size_t channel_floats;               /* sh * sw * Hq * P: one input channel's planes */
  size_t group_floats;                 /* input channels per group x channel_floats */
  size_t image_floats;                 /* groups x group_floats */
  float* staged;                       /* batch x image_floats; direct depthwise: the zero row */
  bool by_row;                         /* row by row into the output, else runs over P */
  float* wide_output;                  /* runs over P: batch x channels x Hout x P */
  /* staged and wide_output are one buffer (wide_output wide_offset bytes in): the operator's
   * workspace, taken at the start of each run, or the plan's own (always for direct depthwise). */
  bool scratch_in_workspace;
  size_t wide_offset;
  size_t rows_per_task;
  size_t row_blocks;
  /* Depthwise layers with one task per (image, channel): each task stages its own channel. */
  bool stage_in_task;
  struct conv_range* ranges;
  size_t range_count;
};

static const struct sprig_conv2d_params* params_of(const struct sprig_operator* op) {
  return &op->geometry.params;
}

static size_t input_channels_total(const struct sprig_operator* op) {
  return params_of(op)->groups * params_of(op)->input_channels;
}

/* ---- entries: the stored values of every format, row by row ---- */

/* The number of stored entries of `row`; with `out`, also writes their values and columns there
 * from index `at` on, in order. */
static size_t for_each_stored(const struct sprig_weights* w, const struct sprig_weights* csr, size_t row,
                              struct conv_entries* out, size_t at) {
  size_t count = 0;
  if (w->pattern.format == SPRIG_FORMAT_NM) {
    const size_t slots = w->nm_groups * w->pattern.n;
    for (size_t s = 0; s < slots; s++) {
      if (out != NULL) {
        out->values[at + count] = w->nm_values[row * slots + s];
        out->columns[at + count] = (uint32_t) ((s / w->pattern.n) * w->pattern.m + w->nm_indices[row * slots + s]);
      }
      count++;
    }
    return count;
  }
  for (struct sprig_csr_cursor c = sprig_csr_row(csr, row); c.entry < c.end; sprig_csr_next(csr, &c)) {
    if (out != NULL) {
      out->values[at + count] = csr->values[c.entry];
      out->columns[at + count] = c.column;
    }
    count++;
  }
  return count;
}

static enum sprig_status build_entries(const struct sprig_weights* w, struct conv_entries* e) {
  struct sprig_weights* view = NULL;
  const struct sprig_weights* csr = w;
  if (w->pattern.format == SPRIG_FORMAT_BLOCK || w->pattern.format == SPRIG_FORMAT_GROUP) {
    view = sprig_block_weights_as_csr(w);
    if (view == NULL) {
      return sprig_status_out_of_memory;
    }
    csr = view;
  }
  e->counts = malloc(w->rows * sizeof(uint32_t));
  size_t total = 0;
  for (size_t r = 0; r < w->rows && e->counts != NULL; r++) {
    e->counts[r] = (uint32_t) for_each_stored(w, csr, r, NULL, 0);
    total += e->counts[r];
  }
  e->nr = 1;
  e->total = total;
  e->values = malloc(SPRIG_MAX(total, 1) * sizeof(float));
  e->columns = malloc(SPRIG_MAX(total, 1) * sizeof(uint32_t));
  if (e->counts == NULL || e->values == NULL || e->columns == NULL) {
    sprig_release_weights(view);
    return sprig_status_out_of_memory;
  }
  for (size_t r = 0, at = 0; r < w->rows; r++) {
    at += for_each_stored(w, csr, r, e, at);
  }
  sprig_release_weights(view);
  return sprig_status_success;
}

/* Whether every block of `nr` rows (block-aligned inside each group of `group_rows`) stores
 * the same columns. */
static bool rows_share_columns(const struct conv_entries* e, size_t rows, size_t group_rows, size_t nr) {
  if (group_rows % nr != 0) {
    return false;
  }
  for (size_t r = 0, at = 0; r < rows; r += nr) {
    const size_t count = e->counts[r];
    for (size_t k = 1; k < nr; k++) {
      if (e->counts[r + k] != count ||
          memcmp(e->columns + at, e->columns + at + k * count, count * sizeof(uint32_t)) != 0) {
        return false;
      }
    }
    at += nr * count;
  }
  return true;
}

/* Regroups per-row entries into blocks of nr rows (rows_share_columns holds): per block, its
 * columns once and per column the nr values. */
static enum sprig_status group_entries(struct conv_entries* e, size_t rows, size_t nr) {
  const size_t units = rows / nr, blocked = e->total / nr;
  float* values = malloc(SPRIG_MAX(e->total, 1) * sizeof(float));
  uint32_t* columns = malloc(SPRIG_MAX(blocked, 1) * sizeof(uint32_t));
  uint32_t* counts = malloc(units * sizeof(uint32_t));
  if (values == NULL || columns == NULL || counts == NULL) {
    free(values);
    free(columns);
    free(counts);
    return sprig_status_out_of_memory;
  }
  for (size_t u = 0, at = 0, to = 0; u < units; u++) {
    const size_t count = e->counts[u * nr];
    counts[u] = (uint32_t) count;
    for (size_t j = 0; j < count; j++, to++) {
      columns[to] = e->columns[at + j];
      for (size_t k = 0; k < nr; k++) {
        values[to * nr + k] = e->values[at + k * count + j];
      }
    }
    at += nr * count;
  }
  free(e->values);
  free(e->columns);
  free(e->counts);
  *e = (struct conv_entries){nr, values, columns, counts, blocked};
  return sprig_status_success;
}

static void free_entries(struct conv_entries* e) {
  free(e->values);
  free(e->columns);
  free(e->counts);
  *e = (struct conv_entries){0};
}

/* ---- create ---- */

static bool is_depthwise(const struct sprig_operator* op) {
  const struct sprig_conv2d_params* p = params_of(op);
  return p->input_channels == 1 && p->groups > 1;
}

/* Depthwise layers with a dedicated kernel: each channel's bias and dense taps. */
static enum sprig_status create_dwconv(struct sprig_operator* op, struct conv_state* s,
                                       const struct sprig_hardware* hardware) {
  const struct sprig_conv2d_params* p = params_of(op);
  const size_t taps = (size_t) p->kernel_height * p->kernel_width;
  s->dwconv = sprig_choose_f32_dwconv_ukernel(hardware, (uint32_t) taps);
  if (s->dwconv == NULL) {
    return sprig_status_success;
  }
  /* The direct kernels where the layer's shape and the ISA have them. */
  const struct sprig_f32_dwconv2d_chw_ukernel* direct = sprig_direct_dwconv_ukernel(&op->geometry, hardware);
  if (direct != NULL && direct->isa == s->dwconv->isa) {
    s->direct = direct;
  }
  s->dw_weights = calloc(op->rows * (taps + 1), sizeof(float));
  if (s->dw_weights == NULL) {
    return sprig_status_out_of_memory;
  }
  size_t at = 0;
  for (size_t o = 0; o < op->rows; o++) {
    float* w = s->dw_weights + o * (taps + 1);
    w[0] = op->bias[o];
    /* Added, not assigned: an N:M padding slot holds a zero on a column that another slot of
     * its run may hold (a short last run), and must not overwrite that weight. */
    for (uint32_t j = 0; j < s->entries.counts[o]; j++, at++) {
      w[1 + s->entries.columns[at]] += s->entries.values[at];
    }
  }
  return sprig_status_success;
}

/* The phase plane of kernel tap (ky, kx). */
static size_t tap_phase(const struct sprig_conv2d_params* p, size_t ky, size_t kx) {
  return (ky * p->dilation_height % p->stride_height) * p->stride_width + kx * p->dilation_width % p->stride_width;
}

static void mark_phases(const struct sprig_operator* op, struct conv_state* s) {
  const struct sprig_conv2d_params* p = params_of(op);
  const bool depthwise_dense = is_depthwise(op);
  for (size_t ky = 0; ky < p->kernel_height; ky++) {
    for (size_t kx = 0; kx < p->kernel_width; kx++) {
      /* Depthwise kernels read every tap; the others only the stored columns (below). */
      s->phase_used[tap_phase(p, ky, kx)] |= depthwise_dense;
    }
  }
  const size_t taps = (size_t) p->kernel_height * p->kernel_width;
  for (size_t e = 0; e < s->entries.total; e++) {
    const size_t tap = s->entries.columns[e] % taps;
    s->phase_used[tap_phase(p, tap / p->kernel_width, tap % p->kernel_width)] = true;
  }
}

static enum sprig_status conv_create(struct sprig_operator* op, const struct sprig_hardware* hardware) {
  struct conv_state* s = calloc(1, sizeof(struct conv_state));
  if (s == NULL) {
    return sprig_status_out_of_memory;
  }
  op->path_state = s;
  enum sprig_status status = build_entries(op->weights, &s->entries);
  if (status != sprig_status_success) {
    return status;
  }
  mark_phases(op, s);
  if (is_depthwise(op)) {
    status = create_dwconv(op, s, hardware);
    if (status != sprig_status_success) {
      return status;
    }
  }
  /* Blocks of 4 output channels with one mask (4x1 / 8x1 blocks, groups of 4 / 8, or CSR
   * weights that happen to have them) share each input load in the NR = 4 kernels. */
  const struct sprig_f32_spconv_ukernel* blocked = sprig_choose_f32_spconv_ukernel(hardware, 4);
  s->chosen = sprig_choose_f32_spconv_ukernel(hardware, 1);
  if (s->dwconv == NULL && blocked != NULL && blocked->isa == s->chosen->isa &&
      rows_share_columns(&s->entries, op->rows, params_of(op)->output_channels, 4)) {
    status = group_entries(&s->entries, op->rows, 4);
    if (status != sprig_status_success) {
      return status;
    }
    s->chosen = blocked;
  }
  s->ukernel = s->chosen;
  return sprig_status_success;
}

static size_t conv_one_pixel_batches_below(const struct sprig_operator* op) {
  (void) op;
  return 0;
}

/* ---- plan ---- */

struct conv_plan_shape {
  size_t output_height, output_width, plane_rows, plane_width, channel_floats, group_floats, image_floats;
};

/* The staged layout for an input of height x width; false when a size overflows or an offset
 * would not fit the kernels' int32 (reason logged). */
static bool shape_planes(const struct sprig_operator* op, size_t height, size_t width, size_t output_height,
                         size_t output_width, const char* caller, struct conv_plan_shape* shape) {
  const struct sprig_conv2d_params* p = params_of(op);
  shape->output_height = output_height;
  shape->output_width = output_width;
  shape->plane_rows = shape->output_height + (size_t) p->dilation_height * (p->kernel_height - 1) / p->stride_height;
  shape->plane_width = shape->output_width + (size_t) p->dilation_width * (p->kernel_width - 1) / p->stride_width;
  size_t plane_floats;
  if (!sprig_mul_size(shape->plane_rows, shape->plane_width, &plane_floats) ||
      !sprig_mul3_size(plane_floats, p->stride_height, p->stride_width, &shape->channel_floats) ||
      !sprig_mul_size(shape->channel_floats, p->input_channels, &shape->group_floats) ||
      !sprig_mul_size(shape->group_floats, p->groups, &shape->image_floats) ||
      shape->group_floats > (size_t) INT32_MAX / sizeof(float)) {
    sprig_log_error("%s: the padded input of one group (%zu channels, %zu x %zu) is too large for this version "
                    "(at most 2 GiB per group)",
                    caller, p->input_channels, height, width);
    return false;
  }
  return true;
}

/* The byte offset of column (c, ky, kx) from its group's staged input at output pixel (0, 0). */
static int32_t column_offset(const struct sprig_conv2d_params* p, const struct conv_plan_shape* shape,
                             uint32_t column) {
  const size_t taps = (size_t) p->kernel_height * p->kernel_width;
  const size_t c = column / taps;
  const size_t ky = column % taps / p->kernel_width;
  const size_t kx = column % p->kernel_width;
  const size_t dy = ky * p->dilation_height, dx = kx * p->dilation_width;
  const size_t plane = tap_phase(p, ky, kx);
  const size_t at = c * shape->channel_floats + plane * shape->plane_rows * shape->plane_width +
                    dy / p->stride_height * shape->plane_width + dx / p->stride_width;
  return (int32_t) (at * sizeof(float));
}

/* Channel ranges of about equal stored values, never crossing a group, about `per_group` per
 * group. */
static size_t split_ranges(const struct sprig_operator* op, const struct conv_state* s, size_t per_group,
                           struct conv_range* ranges) {
  const struct sprig_conv2d_params* p = params_of(op);
  const size_t nr = s->entries.nr;
  const size_t units = p->output_channels / nr; /* per group (nr divides it: group_entries) */
  size_t used = 0, entry = 0;
  for (size_t g = 0; g < p->groups; g++) {
    const size_t first = g * units;
    size_t group_cost = 0;
    for (size_t u = first; u < first + units; u++) {
      group_cost += s->entries.counts[u] + 1;
    }
    size_t u = first, cost = 0;
    for (size_t r = 0; r < per_group && u < first + units; r++) {
      const size_t goal = group_cost * (r + 1) / per_group;
      struct conv_range range = {u * nr, 0, entry, g};
      do {
        cost += s->entries.counts[u] + 1;
        entry += s->entries.counts[u];
        u++;
      } while (u < first + units && (cost < goal || r + 1 == per_group));
      range.channel_count = u * nr - range.first_channel;
      ranges[used++] = range;
    }
  }
  return used;
}

/* The plan's own staging buffer, wide outputs included (none when they are in the workspace). */
static void free_scratch(struct conv_state* s) {
  if (!s->scratch_in_workspace) {
    free(s->staged);
  }
  s->staged = NULL;
  s->wide_output = NULL;
}

static enum sprig_status conv_plan(struct sprig_operator* op, const struct sprig_problem* problem, const char* caller) {
  struct conv_state* s = op->path_state;
  const struct sprig_conv2d_params* p = params_of(op);
  struct conv_plan_shape shape;
  if (!shape_planes(op, problem->input_height, problem->input_width, problem->output_height, problem->output_width,
                    caller, &shape)) {
    return sprig_status_unsupported_parameter;
  }
  /* Depthwise kernels take rows of any width; runs across P are for spconv on narrow maps. */
  const bool by_row = shape.output_width >= SPRIG_CONV_ROW_PIXELS ||
                      shape.plane_width == shape.output_width;
  size_t staged_floats, wide_floats = 0, wide_image_floats;
  if (!sprig_mul_size(shape.image_floats, problem->images, &staged_floats) ||
      !sprig_mul3_size(op->rows, shape.output_height, shape.plane_width, &wide_image_floats) ||
      (!by_row && !sprig_mul_size(wide_image_floats, problem->images, &wide_floats)) ||
      staged_floats > SIZE_MAX / sizeof(float) || wide_floats > SIZE_MAX / sizeof(float)) {
    sprig_log_error("%s: the staged input of %zu images overflows size_t", caller, problem->images);
    return sprig_status_invalid_parameter;
  }
  /* Tasks: channel ranges first (up to the target per layer: a range reads only its own
   * weights), then blocks of output rows for the rest of the target, but never runs shorter
   * than MIN_TASK_PIXELS (every row block reads its ranges' weights again, and short runs
   * narrow the kernel tile). */
  const size_t per_group = SPRIG_MAX(1, SPRIG_MIN(p->output_channels / s->entries.nr,
                                                  sprig_divide_round_up(TARGET_TASKS, p->groups)));
  const size_t range_capacity = per_group * p->groups;
  const size_t tasks_per_rows = problem->images * range_capacity;
  const size_t most_row_blocks = SPRIG_MAX(1, shape.output_height * shape.output_width / MIN_TASK_PIXELS);
  const size_t row_blocks =
      s->direct != NULL
          ? 1
          : SPRIG_MIN(SPRIG_MIN(shape.output_height, most_row_blocks),
                      SPRIG_MAX(1, sprig_divide_round_up(TARGET_TASKS, tasks_per_rows)));
  const size_t rows_per_task = sprig_divide_round_up(shape.output_height, row_blocks);

  /* Direct depthwise kernels read the input itself: no staging, one zero row (the plan's own). */
  const size_t staged_size = s->direct != NULL ? problem->input_width + 2 * p->kernel_width : staged_floats;
  /* One buffer: the staged planes, then the wide outputs wide_offset bytes in. */
  struct sprig_workspace* workspace = s->direct == NULL ? op->workspace : NULL;
  const size_t wide_offset = sprig_round_up(staged_size * sizeof(float), 64);
  const size_t wide_bytes = by_row || s->direct != NULL ? 0 : wide_floats * sizeof(float);
  /* wide_floats x 4 fits (checked above); the sum with the staged bytes may not. */
  if (wide_offset < staged_size * sizeof(float) || wide_bytes > SIZE_MAX - wide_offset) {
    sprig_log_error("%s: the staged input of %zu images overflows size_t", caller, problem->images);
    return sprig_status_invalid_parameter;
  }
  void* own;
  const enum sprig_status status = sprig_plan_scratch(workspace, wide_offset + wide_bytes, true, caller, &own);
  if (status != sprig_status_success) {
    return status;
  }
  struct conv_range* ranges = malloc(range_capacity * sizeof(struct conv_range));
  int32_t* offsets = s->dwconv == NULL ? malloc(SPRIG_MAX(s->entries.total, 1) * sizeof(int32_t)) : NULL;
  if (ranges == NULL || (s->dwconv == NULL && offsets == NULL)) {
    free(own);
    free(ranges);
    free(offsets);
    sprig_log_error("%s: out of memory", caller);
    return sprig_status_out_of_memory;
  }
  free_scratch(s);
  free(s->ranges);
  free(s->offsets);
  s->scratch_in_workspace = workspace != NULL;
  s->wide_offset = wide_offset;
  s->staged = own;
  s->zero = s->direct != NULL ? own : NULL; /* the same zeroed buffer, never written */
  s->wide_output = wide_bytes != 0 && own != NULL ? (float*) ((char*) own + wide_offset) : NULL;
  s->ranges = ranges;
  s->offsets = offsets;
  s->range_count = split_ranges(op, s, per_group, ranges);
  if (s->dwconv != NULL) {
    for (uint32_t t = 0; t < s->dwconv->taps; t++) {
      s->dw_offsets[t] = column_offset(p, &shape, t);
    }
  } else {
    for (size_t e = 0; e < s->entries.total; e++) {
      offsets[e] = column_offset(p, &shape, s->entries.columns[e]);
    }
  }
  s->input_height = problem->input_height;
  s->input_width = problem->input_width;
  /* Plane column j of phase px reads input column j*sw + px - padding_left: columns
   * [column_first, column_end) lie inside the input. A phase that starts right of the input
   * (px >= padding_left + width, a stride wider than the padded row) reads none. */
  for (size_t px = 0; px < p->stride_width; px++) {
    const size_t left = p->padding_left, sw = p->stride_width, right_end = left + problem->input_width;
    s->column_first[px] = SPRIG_MIN(shape.plane_width, left > px ? sprig_divide_round_up(left - px, sw) : 0);
    s->column_end[px] =
        right_end > px ? SPRIG_MAX(s->column_first[px], SPRIG_MIN(shape.plane_width, sprig_divide_round_up(right_end - px, sw)))
                       : s->column_first[px];
  }
  s->output_height = shape.output_height;
  s->output_width = shape.output_width;
  s->plane_rows = shape.plane_rows;
  s->plane_width = shape.plane_width;
  s->plane_floats = shape.plane_rows * shape.plane_width;
  s->channel_floats = shape.channel_floats;
  s->group_floats = shape.group_floats;
  s->image_floats = shape.image_floats;
  s->by_row = by_row;
  s->rows_per_task = rows_per_task;
  s->row_blocks = sprig_divide_round_up(shape.output_height, rows_per_task);
  s->stage_in_task = s->direct == NULL && p->input_channels == 1 && s->row_blocks == 1 && s->range_count == p->groups;
  const size_t run_pixels = by_row ? shape.output_width : (rows_per_task - 1) * shape.plane_width + shape.output_width;
  s->ukernel = sprig_fit_f32_spconv_ukernel(sprig_get_hardware(), s->chosen, run_pixels);
  return sprig_status_success;
}

/* ---- run ---- */

struct stage_context {
  const struct sprig_operator* op;
  const struct conv_state* s;
  const float* input;
};

/* dst[j] = src[j * step] for j < n, in plain loops (rows are often short: a library call per
 * row costs more than the copy), the common steps as constants so that compilers vectorize
 * them (1: NCHW; 2: a stride-2 phase; 3: an RGB image in NHWC). */
static void gather(float* dst, const float* src, size_t n, size_t step) {
  switch (step) {
    case 1:
      for (size_t j = 0; j < n; j++) {
        dst[j] = src[j];
      }
      break;
    case 2:
      for (size_t j = 0; j < n; j++) {
        dst[j] = src[j * 2];
      }
      break;
    case 3:
      for (size_t j = 0; j < n; j++) {
        dst[j] = src[j * 3];
      }
      break;
    default:
      for (size_t j = 0; j < n; j++) {
        dst[j] = src[j * step];
      }
      break;
  }
}

/* Row i of phase plane (py, px): padded-input row i*sh + py, columns j*sw + px. Only the
 * columns inside the input are written: the plan's own buffer is zeroed when allocated and its
 * padding never written, so it stays zero (a workspace's: zero_padding). */
static void stage_row(const struct conv_state* s, const struct sprig_conv2d_params* p, const float* in,
                      size_t y_step, size_t x_step, size_t py, size_t px, size_t i, float* row) {
  const size_t padded_y = i * p->stride_height + py;
  if (padded_y < p->padding_top || padded_y - p->padding_top >= s->input_height) {
    return;
  }
  const size_t sw = p->stride_width, left = p->padding_left;
  const size_t first = s->column_first[px], end = s->column_end[px];
  if (end > first) {
    const float* src = in + (padded_y - p->padding_top) * y_step + (first * sw + px - left) * x_step;
    gather(row + first, src, end - first, sw * x_step);
  }
}

/* Zeros in the padding of phase plane (py, px) (what stage_row leaves), for staging in a
 * workspace, which may hold anything before. */
static void zero_padding(const struct conv_state* s, const struct sprig_conv2d_params* p, size_t py, size_t px,
                         float* plane) {
  const size_t first = s->column_first[px], end = s->column_end[px];
  for (size_t i = 0; i < s->plane_rows; i++) {
    float* row = plane + i * s->plane_width;
    const size_t padded_y = i * p->stride_height + py;
    if (padded_y < p->padding_top || padded_y - p->padding_top >= s->input_height) {
      memset(row, 0, s->plane_width * sizeof(float));
    } else {
      memset(row, 0, first * sizeof(float));
      memset(row + end, 0, (s->plane_width - end) * sizeof(float));
    }
  }
}

/* Stages one input channel of one image into its phase planes (those a weight reads). */
static void stage_channel(void* context, size_t task) {
  const struct stage_context* ctx = context;
  const struct conv_state* s = ctx->s;
  const struct sprig_conv2d_params* p = params_of(ctx->op);
  const size_t channels = input_channels_total(ctx->op);
  const size_t image = task / channels, c = task % channels;
  const size_t pixels = s->input_height * s->input_width;
  const bool nhwc = ctx->op->geometry.input_nhwc;
  const float* in = ctx->input + image * channels * pixels + (nhwc ? c : c * pixels);
  const size_t x_step = nhwc ? channels : 1;
  float* planes = s->staged + image * s->image_floats + c * s->channel_floats;
  for (size_t phase = 0; phase < (size_t) p->stride_height * p->stride_width; phase++) {
    if (!s->phase_used[phase]) {
      continue;
    }
    float* plane = planes + phase * s->plane_floats;
    if (s->scratch_in_workspace) {
      zero_padding(s, p, phase / p->stride_width, phase % p->stride_width, plane);
    }
    for (size_t i = 0; i < s->plane_rows; i++) {
      stage_row(s, p, in, s->input_width * x_step, x_step, phase / p->stride_width, phase % p->stride_width, i,
                plane + i * s->plane_width);
    }
  }
}

struct compute_context {
  const struct sprig_operator* op;
  const struct conv_state* s;
  float* output;
  struct stage_context stage;
};

/* Rows y0 .. y0 + rows of `count` channels from the workspace of runs across the plane width
 * (rows P floats apart) to the output (rows output_width apart). */
static void copy_out_rows(const struct compute_context* ctx, size_t image, size_t first_channel, size_t count,
                          size_t y0, size_t rows) {
  const struct conv_state* s = ctx->s;
  const size_t out_pixels = s->output_height * s->output_width;
  const size_t wide_pixels = s->output_height * s->plane_width;
  for (size_t n = first_channel; n < first_channel + count; n++) {
    float* out = ctx->output + (image * ctx->op->rows + n) * out_pixels + y0 * s->output_width;
    const float* from = s->wide_output + (image * ctx->op->rows + n) * wide_pixels + y0 * s->plane_width;
    for (size_t y = 0; y < rows; y++) {
      memcpy(out + y * s->output_width, from + y * s->plane_width, s->output_width * sizeof(float));
    }
  }
}

static void compute_dwconv(const struct compute_context* ctx, const float* group_input, size_t image,
                           const struct conv_range* range, size_t y0, size_t rows) {
  const struct conv_state* s = ctx->s;
  const size_t taps = s->dwconv->taps;
  const size_t out_pixels = s->output_height * s->output_width;
  const size_t wide_pixels = s->output_height * s->plane_width;
  /* Ranges never cross a group, and a depthwise group is one input channel. */
  const float* in = group_input + y0 * s->plane_width;
  for (size_t o = range->first_channel; o < range->first_channel + range->channel_count; o++) {
    const float* weights = s->dw_weights + o * (taps + 1);
    if (s->by_row) {
      float* out = ctx->output + (image * ctx->op->rows + o) * out_pixels + y0 * s->output_width;
      s->dwconv->fn(rows, s->output_width, in, s->plane_width * sizeof(float), s->dw_offsets, weights, out,
                    s->output_width * sizeof(float), &ctx->op->params);
    } else {
      float* wide = s->wide_output + (image * ctx->op->rows + o) * wide_pixels + y0 * s->plane_width;
      s->dwconv->fn(1, (rows - 1) * s->plane_width + s->output_width, in, 0, s->dw_offsets, weights, wide, 0,
                    &ctx->op->params);
    }
  }
  if (!s->by_row) {
    copy_out_rows(ctx, image, range->first_channel, range->channel_count, y0, rows);
  }
}

static void compute_spconv(const struct compute_context* ctx, const float* group_input, size_t image,
                           const struct conv_range* range, size_t y0, size_t rows) {
  const struct conv_state* s = ctx->s;
  const struct sprig_operator* op = ctx->op;
  const size_t out_pixels = s->output_height * s->output_width;
  const float* bias = op->bias + range->first_channel;
  const float* values = s->entries.values + range->first_entry * s->entries.nr;
  const int32_t* offsets = s->offsets + range->first_entry;
  const uint32_t* counts = s->entries.counts + range->first_channel / s->entries.nr;
  if (s->by_row) {
    float* out = ctx->output + (image * op->rows + range->first_channel) * out_pixels + y0 * s->output_width;
    for (size_t y = y0; y < y0 + rows; y++, out += s->output_width) {
      s->ukernel->fn(s->output_width, range->channel_count, group_input + y * s->plane_width, bias, values, offsets,
                     counts, out, out_pixels * sizeof(float), &op->params);
    }
    return;
  }
  /* One run over rows y0 .. y0 + rows across the plane width, then the valid pixels copied out. */
  const size_t wide_pixels = s->output_height * s->plane_width;
  float* wide = s->wide_output + (image * op->rows + range->first_channel) * wide_pixels + y0 * s->plane_width;
  s->ukernel->fn((rows - 1) * s->plane_width + s->output_width, range->channel_count,
                 group_input + y0 * s->plane_width, bias, values, offsets, counts, wide,
                 wide_pixels * sizeof(float), &op->params);
  copy_out_rows(ctx, image, range->first_channel, range->channel_count, y0, rows);
}

/* Direct depthwise kernels: each channel of the range from the caller's input. */
static void compute_direct(const struct compute_context* ctx, size_t image, const struct conv_range* range) {
  const struct conv_state* s = ctx->s;
  const struct sprig_operator* op = ctx->op;
  const size_t taps = s->dwconv->taps;
  const size_t in_pixels = s->input_height * s->input_width, out_pixels = s->output_height * s->output_width;
  /* Ranges never cross a group, and a depthwise group is one input channel. */
  const float* in = ctx->stage.input + (image * op->geometry.params.groups + range->group) * in_pixels;
  for (size_t o = range->first_channel; o < range->first_channel + range->channel_count; o++) {
    s->direct->fn(s->input_height, s->input_width, s->output_height, s->output_width, in,
                  s->dw_weights + o * (taps + 1), s->zero, ctx->output + (image * op->rows + o) * out_pixels,
                  op->geometry.params.padding_top, &op->params);
  }
}

static void compute_task(void* context, size_t image_rows, size_t range_index) {
  const struct compute_context* ctx = context;
  const struct conv_state* s = ctx->s;
  const size_t image = image_rows / s->row_blocks;
  const size_t y0 = image_rows % s->row_blocks * s->rows_per_task;
  const size_t rows = SPRIG_MIN(s->rows_per_task, s->output_height - y0);
  const struct conv_range* range = &s->ranges[range_index];
  if (s->direct != NULL) {
    compute_direct(ctx, image, range);
    return;
  }
  const float* group_input = s->staged + image * s->image_floats + range->group * s->group_floats;
  if (s->stage_in_task) {
    /* This task alone reads the group's one input channel: stage it here, while it stays in
     * cache for the kernel. */
    stage_channel((void*) &ctx->stage, image * input_channels_total(ctx->op) + range->group);
  }
  if (s->dwconv != NULL) {
    compute_dwconv(ctx, group_input, image, range, y0, rows);
  } else {
    compute_spconv(ctx, group_input, image, range, y0, rows);
  }
}

static void conv_run(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool) {
  struct conv_state* planned = op->path_state;
  if (planned->scratch_in_workspace) {
    planned->staged = op->workspace->data;
    planned->wide_output = (float*) ((char*) op->workspace->data + planned->wide_offset);
  }
  const struct conv_state* s = planned;
  struct compute_context compute = {op, s, output, {op, s, input}};
  if (!s->stage_in_task && s->direct == NULL) {
    pthreadpool_parallelize_1d(threadpool, stage_channel, &compute.stage, op->batch * input_channels_total(op), 0);
  }
  pthreadpool_parallelize_2d(threadpool, compute_task, &compute, op->batch * s->row_blocks, s->range_count, 0);
}

/* ---- what the operator reports ---- */

static const char* conv_kernel_name(const struct sprig_operator* op) {
  const struct conv_state* s = op->path_state;
  return s->direct != NULL ? s->direct->name : s->dwconv != NULL ? s->dwconv->name : s->ukernel->name;
}

static size_t conv_weight_bytes(const struct sprig_operator* op) {
  const struct conv_state* s = op->path_state;
  if (s->dwconv != NULL) {
    return op->rows * s->dwconv->taps * sizeof(float);
  }
  return s->entries.total * (s->entries.nr * sizeof(float) + sizeof(int32_t)) +
         op->rows / s->entries.nr * sizeof(uint32_t);
}

static void conv_destroy(struct sprig_operator* op) {
  struct conv_state* s = op->path_state;
  if (s == NULL) {
    return;
  }
  free_entries(&s->entries);
  free(s->dw_weights);
  free(s->offsets);
  free_scratch(s);
  free(s->ranges);
  free(s);
  op->path_state = NULL;
}

const struct sprig_path_ops sprig_conv_path = {
    .name = "conv",
    .create = conv_create,
    .one_pixel_batches_below = conv_one_pixel_batches_below,
    .plan = conv_plan,
    .setup = NULL,
    .run = conv_run,
    .kernel_name = conv_kernel_name,
    .weight_bytes = conv_weight_bytes,
    .destroy = conv_destroy,
};
