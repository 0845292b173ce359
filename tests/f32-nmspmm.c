/*
 * Every f32 N:M SpMM kernel of kernels/f32-nmspmm/list.inc, and every matrix-times-vectors kernel
 * of mv-list.inc (second group, at the end), against kernels/reference, case by case.
 *
 * How to read this file: struct nm_tester describes one problem (pixels, channels, input rows,
 * the N:M pattern, how full the runs are, strides, clamps, ...). nm_tester_run makes random
 * weights with at most N nonzeros in every run of M rows, lays them out as the kernels read them
 * (src/sprig/nmspmm.h: per channel groups * N values and in-run indices, the bias apart), calls
 * the kernel the way operators do and compares every output float, the padding between output
 * rows included, with the reference (the same weights as CSR). The cases at the end each set up
 * a tester for one situation and the table `cases` names them; every listed kernel runs every
 * case, as one CMocka test "<kernel>: <case>". A failure names the test, the tester's parameters
 * and the channel and pixel.
 */
#include "test-util.h"

#include <stdbool.h>

#include <sprig.h>
#include <sprig/config.h>
#include <sprig/hardware.h>
#include <sprig/nmspmm.h>
#include <reference/reference.h>

struct nm_tester {
  size_t m;               /* pixels per row: the kernel's mc */
  size_t channels;        /* output channels: nc */
  size_t rows;            /* input rows (K), any count >= 1: the last run may be short */
  size_t pattern_n;       /* at most pattern_n nonzeros ... */
  size_t pattern_m;       /* ... in every run of pattern_m rows */
  double fill;            /* chance that a slot of a run holds a nonzero (0: every slot padding) */
  size_t input_padding;   /* input rows are m + input_padding floats apart */
  size_t output_padding;  /* output channels are m + output_padding floats apart */
  float min, max;         /* the output clamp */
  bool zero_bias;         /* all-zero bias (what operators pass when the user gives none) */
  bool zero_channels;     /* channels 1, 4, 7, ... have no nonzeros */
  bool split;             /* 2 x 2 calls, at an odd pixel and a channel offset */
  uint64_t seed;
};

/* A small 2:4 problem of one full tile: the starting point of every case. */
static struct nm_tester nm_tester_for(const struct sprig_f32_nmspmm_ukernel* uk) {
  return (struct nm_tester){.m = uk->mr, .channels = 9, .rows = 37, .pattern_n = 2, .pattern_m = 4, .fill = 0.8,
                            .min = -INFINITY, .max = INFINITY, .seed = 7};
}

/* The kernels' view of the weights: values (runs padded with zeros) and in-run indices, and
 * the same weights dense for the reference. */
struct nm_weights {
  size_t groups;
  float* dense;      /* [channels][rows] */
  float* values;     /* per channel: groups * n */
  uint8_t* indices;  /* per channel: groups * n */
};

static struct nm_weights make_nm(struct rng* rng, const struct nm_tester* t) {
  struct nm_weights w;
  w.groups = sprig_divide_round_up_test(t->rows, t->pattern_m);
  const size_t slots = w.groups * t->pattern_n;
  w.dense = calloc(t->channels * t->rows, sizeof(float));
  /* Exactly sized, so ASan catches a kernel reading past the last channel's slots. */
  w.values = malloc(SPRIG_TEST_MAX(t->channels * slots, 1) * sizeof(float));
  w.indices = malloc(SPRIG_TEST_MAX(t->channels * slots, 1));
  for (size_t ch = 0; ch < t->channels; ch++) {
    float* values = w.values + ch * slots;
    uint8_t* idx = w.indices + ch * slots;
    const bool empty = t->zero_channels && ch % 3 == 1;
    for (size_t g = 0; g < w.groups; g++) {
      const size_t run = SPRIG_TEST_MIN(t->pattern_m, t->rows - g * t->pattern_m);
      /* Up to n distinct positions of the run, in increasing order, each taken with chance fill. */
      size_t used = 0;
      for (size_t r = 0; r < run && used < t->pattern_n; r++) {
        const int take = (double) rng_next(rng) / 2147483648.0 < t->fill;
        if (take && !empty) {
          const float v = rng_float(rng) + 1.5f;
          w.dense[ch * t->rows + g * t->pattern_m + r] = v;
          values[g * t->pattern_n + used] = v;
          idx[g * t->pattern_n + used] = (uint8_t) r;
          used++;
        }
      }
      /* Padding: a zero value pointing at the run's first row (which exists). */
      for (; used < t->pattern_n; used++) {
        values[g * t->pattern_n + used] = 0.0f;
        idx[g * t->pattern_n + used] = 0;
      }
    }
  }
  return w;
}

static void free_nm(struct nm_weights* w) {
  free(w->dense);
  free(w->values);
  free(w->indices);
}

/* Calls the kernel on channels [c0, c1) and pixels [p0, p1). The bias is exactly c1 - c0 floats
 * long, so ASan catches a kernel reading past it. */
static void call_nm(const struct sprig_f32_nmspmm_ukernel* uk, const struct nm_tester* t, const struct nm_weights* w,
                    const float* bias, const float* input, float* output, size_t c0, size_t c1, size_t p0, size_t p1,
                    const struct sprig_f32_minmax_params* params) {
  if (c0 == c1 || p0 == p1) {
    return;
  }
  const size_t slots = w->groups * t->pattern_n;
  const size_t input_stride = t->m + t->input_padding;
  const size_t output_stride = t->m + t->output_padding;
  float* call_bias = malloc((c1 - c0) * sizeof(float));
  memcpy(call_bias, bias + c0, (c1 - c0) * sizeof(float));
  uk->fn(p1 - p0, c1 - c0, w->groups, t->pattern_n, t->pattern_m, input + p0, input_stride * sizeof(float), call_bias,
         w->values + c0 * slots, w->indices + c0 * slots, output + c0 * output_stride + p0,
         output_stride * sizeof(float), params);
  free(call_bias);
}

/* The tester's parameters, for failure messages. */
static void describe(const struct nm_tester* t, char* buffer, size_t size) {
  snprintf(buffer, size,
           "%s (%zu:%zu m=%zu channels=%zu rows=%zu fill=%.2f strides=%zu/%zu clamp=[%g, %g] zero_bias=%d "
           "zero_channels=%d split=%d seed=%llu)",
           *kernel_test_name(), t->pattern_n, t->pattern_m, t->m, t->channels, t->rows, t->fill,
           t->m + t->input_padding, t->m + t->output_padding, (double) t->min, (double) t->max, t->zero_bias,
           t->zero_channels, t->split, (unsigned long long) t->seed);
}

static void nm_tester_run(const struct nm_tester* t, const struct sprig_f32_nmspmm_ukernel* uk) {
  const size_t input_stride = t->m + t->input_padding;
  const size_t output_stride = t->m + t->output_padding;
  struct rng rng = {t->seed};
  float* bias = malloc(t->channels * sizeof(float));
  fill_random(&rng, bias, t->channels);
  if (t->zero_bias) {
    fill_value(bias, t->channels, 0.0f);
  }
  struct nm_weights w = make_nm(&rng, t);
  struct csr a = csr_from_dense(w.dense, t->channels, t->rows);
  /* Exactly sized so ASan sees any read past the last row. */
  const size_t input_count = (t->rows - 1) * input_stride + t->m;
  struct guarded input_memory; /* and a guard page after it */
  float* input = guarded_alloc(&input_memory, input_count * sizeof(float));
  fill_random(&rng, input, input_count);
  const size_t output_count = t->channels * output_stride;
  float* output = malloc(output_count * sizeof(float));
  float* expected = malloc(output_count * sizeof(float));
  fill_value(output, output_count, SENTINEL);
  fill_value(expected, output_count, SENTINEL);
  sprig_reference_f32_spmm(t->m, t->channels, input, input_stride, a.row_ptr, a.col_idx, a.values, bias, expected,
                           output_stride, t->min, t->max);
  const struct sprig_f32_minmax_params params = {t->min, t->max};
  if (t->split) {
    const size_t pm = (t->m / 2) | 1;
    const size_t cm = t->channels / 2;
    call_nm(uk, t, &w, bias, input, output, 0, cm, 0, pm, &params);
    call_nm(uk, t, &w, bias, input, output, 0, cm, pm, t->m, &params);
    call_nm(uk, t, &w, bias, input, output, cm, t->channels, 0, pm, &params);
    call_nm(uk, t, &w, bias, input, output, cm, t->channels, pm, t->m, &params);
  } else {
    call_nm(uk, t, &w, bias, input, output, 0, t->channels, 0, t->m, &params);
  }

  char what[512];
  describe(t, what, sizeof(what));
  assert_kernel_output(what, &a, bias, input, input_stride, output, expected, t->channels, t->m, output_stride,
                       w.groups * t->pattern_n);
  free_nm(&w);
  csr_free(&a);
  free(bias);
  guarded_free(&input_memory);
  free(output);
  free(expected);
}

/* ---- the cases (each runs on every listed kernel; the table below names them) ---- */

#define KERNEL(uk) const struct sprig_f32_nmspmm_ukernel* uk = (const struct sprig_f32_nmspmm_ukernel*) ukernel

static bool mr_above_1(const void* ukernel) {
  return ((const struct sprig_f32_nmspmm_ukernel*) ukernel)->mr > 1;
}

static void k_eq_1(const void* ukernel) {
  KERNEL(uk);
  /* One input row: a single run, shorter than M. */
  struct nm_tester t = nm_tester_for(uk);
  t.rows = 1;
  t.fill = 1.0;
  nm_tester_run(&t, uk);
}

static void m_eq_1(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.m = 1;
  nm_tester_run(&t, uk);
}

static void m_lt_mr(const void* ukernel) {
  KERNEL(uk);
  for (size_t m = 1; m < uk->mr; m += m < 8 ? 1 : SPRIG_TEST_MAX(uk->mr / 8, 1) + 1) {
    struct nm_tester t = nm_tester_for(uk);
    t.m = m;
    t.seed = m;
    nm_tester_run(&t, uk);
  }
  struct nm_tester t = nm_tester_for(uk);
  t.m = uk->mr - 1;
  nm_tester_run(&t, uk);
}

static void m_eq_mr(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  nm_tester_run(&t, uk);
}

static void m_eq_mr_plus_1(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.m = uk->mr + 1;
  nm_tester_run(&t, uk);
}

static void m_eq_2mr_plus_3(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.m = 2 * uk->mr + 3;
  nm_tester_run(&t, uk);
}

static void channel_leftovers(const void* ukernel) {
  KERNEL(uk);
  /* Kernels take channels in blocks (4, 2, then 1 on x86): 1 to 7 channels leave every
   * combination of leftovers. */
  for (size_t channels = 1; channels <= 7; channels++) {
    struct nm_tester t = nm_tester_for(uk);
    t.channels = channels;
    t.m = uk->mr + 1;
    t.seed = channels;
    nm_tester_run(&t, uk);
  }
}

static void zero_channels(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.channels = 11;
  t.zero_channels = true;
  nm_tester_run(&t, uk);
  t.split = true;
  nm_tester_run(&t, uk);
}

static void sparsity_0(const void* ukernel) {
  KERNEL(uk);
  /* N = M and every slot filled: a dense product. */
  struct nm_tester t = nm_tester_for(uk);
  t.pattern_n = 4;
  t.pattern_m = 4;
  t.fill = 1.0;
  t.m = uk->mr + 3;
  nm_tester_run(&t, uk);
}

static void sparsity_1(const void* ukernel) {
  KERNEL(uk);
  /* Every slot padding (zero values): the outputs are the clamped bias. */
  struct nm_tester t = nm_tester_for(uk);
  t.fill = 0.0;
  t.m = uk->mr + 3;
  nm_tester_run(&t, uk);
}

static void short_last_run(const void* ukernel) {
  KERNEL(uk);
  /* Rows not a multiple of M: the last run is shorter, its indices stay within it. */
  static const size_t patterns[][2] = {{2, 4}, {2, 8}, {1, 4}, {4, 16}};
  for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
    struct nm_tester t = nm_tester_for(uk);
    t.pattern_n = patterns[i][0];
    t.pattern_m = patterns[i][1];
    t.rows = 5 * patterns[i][1] + patterns[i][1] / 2 + 1;
    t.fill = 1.0;
    t.seed = i;
    nm_tester_run(&t, uk);
  }
}

static void long_runs(const void* ukernel) {
  KERNEL(uk);
  /* M = 16: in-run indices up to 15, the longest row steps of this format. */
  static const size_t ns[] = {1, 4, 8, 15};
  for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
    struct nm_tester t = nm_tester_for(uk);
    t.pattern_n = ns[i];
    t.pattern_m = 16;
    t.rows = 160;
    t.fill = 0.9;
    t.seed = i;
    nm_tester_run(&t, uk);
  }
}

static void every_pattern(const void* ukernel) {
  KERNEL(uk);
  /* n = 1, 2, 4 take the kernels' unrolled runs; the others their loops over any n. */
  static const size_t patterns[][2] = {{2, 4}, {1, 4}, {2, 8}, {4, 8}, {3, 4}, {1, 2}, {4, 16},
                                       {5, 8}, {8, 16}, {15, 16}, {1, 1}, {3, 3}, {16, 16}};
  for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
    struct nm_tester t = nm_tester_for(uk);
    t.pattern_n = patterns[i][0];
    t.pattern_m = patterns[i][1];
    t.m = uk->mr + 1;
    t.rows = 64 + i;
    t.seed = i;
    nm_tester_run(&t, uk);
  }
}

static void input_stride_gt_m(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.m = uk->mr + 1;
  t.input_padding = 3;
  nm_tester_run(&t, uk);
}

static void output_stride_gt_m(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.m = uk->mr + 1;
  t.output_padding = 5;
  nm_tester_run(&t, uk);
}

static void clamp_min(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.min = 0.5f;
  nm_tester_run(&t, uk);
}

static void clamp_max(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.max = 0.5f;
  nm_tester_run(&t, uk);
}

static void clamp_min_max(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.m = 2 * uk->mr + 3;
  t.min = -0.5f;
  t.max = 1.0f;
  nm_tester_run(&t, uk);
}

static void non_contiguous_strides(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.m = 2 * uk->mr + 3;
  t.input_padding = 7;
  t.output_padding = 9;
  t.split = true;
  nm_tester_run(&t, uk);
}

static void split_calls(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.m = 2 * uk->mr + 3;
  t.channels = 13;
  t.split = true;
  nm_tester_run(&t, uk);
}

static void zero_bias(const void* ukernel) {
  KERNEL(uk);
  struct nm_tester t = nm_tester_for(uk);
  t.zero_bias = true;
  t.m = uk->mr + 1;
  nm_tester_run(&t, uk);
}

static void many_k_blocks(const void* ukernel) {
  KERNEL(uk);
  /* Kernels that cut the runs into K-blocks to keep a tile's rows in L1 clamp only after the
   * last one: a full tile plus a remainder at n = 1, and a narrow row with the any-n loop. */
  const struct nm_tester tall = {.m = uk->mr + 3, .channels = 7, .rows = 1030, .pattern_n = 1, .pattern_m = 4,
                                 .fill = 0.6, .input_padding = 3, .output_padding = 5, .min = -2.0f, .max = 2.5f,
                                 .split = true, .seed = 11};
  nm_tester_run(&tall, uk);
  const struct nm_tester narrow = {.m = 5, .channels = 5, .rows = 2050, .pattern_n = 3, .pattern_m = 8, .fill = 1.0,
                                   .min = -1.0f, .max = 0.5f, .seed = 12};
  nm_tester_run(&narrow, uk);
}

static void large(const void* ukernel) {
  KERNEL(uk);
  const struct nm_tester t = {.m = 8 * uk->mr + 5, .channels = 19, .rows = 301, .pattern_n = 2, .pattern_m = 4,
                              .fill = 1.0, .min = -INFINITY, .max = INFINITY, .split = true, .seed = 13};
  nm_tester_run(&t, uk);
}

static void one_pixel_contiguous(const void* ukernel) {
  KERNEL(uk);
  /* One pixel on contiguous rows (matrix-vector kernels vectorize over the weights there):
   * patterns whose 16 slots span at most 32 rows, and others; row counts around the runs. */
  static const size_t patterns[][2] = {{2, 4}, {4, 8}, {8, 16}, {1, 2}, {2, 3}, {1, 4}, {3, 8}, {3, 4}, {12, 16}};
  static const size_t rows[] = {1000, 33, 70, 1001};
  uint64_t seed = 100;
  for (size_t pi = 0; pi < sizeof(patterns) / sizeof(patterns[0]); pi++) {
    for (size_t ri = 0; ri < sizeof(rows) / sizeof(rows[0]); ri++) {
      const struct nm_tester t = {.m = 1, .channels = 9, .rows = rows[ri], .pattern_n = patterns[pi][0],
                                  .pattern_m = patterns[pi][1], .fill = ri % 2 == 0 ? 1.0 : 0.6,
                                  .output_padding = ri % 2, .min = ri == 1 ? -1.0f : -INFINITY,
                                  .max = ri == 1 ? 1.0f : INFINITY, .split = pi % 2 == 1, .seed = seed++};
      nm_tester_run(&t, uk);
    }
  }
}

static void sweep(const void* ukernel) {
  KERNEL(uk);
  /* m = 1 .. 3 MR + 1 against patterns, fills, row and channel counts, strides, clamps and
   * split calls, mixed so that every pixel remainder meets each of them. */
  static const size_t patterns[][2] = {{2, 4}, {1, 4}, {2, 8}, {4, 8}, {3, 4},
                                       {1, 2}, {4, 16}, {5, 8}, {8, 16}, {15, 16}};
  static const double fills[] = {1.0, 0.6, 0.0, 0.3};
  static const size_t rows[] = {1, 5, 8, 37, 64};
  static const size_t channels[] = {1, 3, 10};
  uint64_t seed = 7;
  for (size_t m = 1; m <= 3 * uk->mr + 1; m++) {
    for (size_t pi = 0; pi < sizeof(patterns) / sizeof(patterns[0]); pi++) {
      const int variant = (int) ((m + pi) % 4);
      const struct nm_tester t = {
          .m = m, .channels = channels[(m + pi) % 3], .rows = rows[(m * 3 + pi) % 5], .pattern_n = patterns[pi][0],
          .pattern_m = patterns[pi][1], .fill = fills[(m + 2 * pi) % 4], .input_padding = variant & 1 ? 3 : 0,
          .output_padding = variant & 2 ? 5 : 0, .min = variant == 3 ? -0.5f : -INFINITY,
          .max = variant == 3 ? 1.0f : INFINITY, .split = m % 2 == 1, .seed = seed++};
      nm_tester_run(&t, uk);
    }
  }
}

static bool is_inorder(const void* ukernel) {
  return ((const struct sprig_f32_nmspmm_ukernel*) ukernel)->inorder;
}

/* A CPU with only this kernel's ISA (and scalar): mostly in-order cores get the in-order variant,
 * others the ISA's default, which it replaces; the fit keeps it for full tiles. */
static void chosen_on_inorder_cores(const void* ukernel) {
  KERNEL(uk);
  const struct sprig_hardware inorder = hardware_with_only(uk->isa, true);
  assert_ptr_equal(sprig_choose_f32_nmspmm_ukernel(&inorder), uk);
  assert_ptr_equal(sprig_fit_f32_nmspmm_ukernel(&inorder, uk, uk->mr), uk);
  const struct sprig_hardware outoforder = hardware_with_only(uk->isa, false);
  const struct sprig_f32_nmspmm_ukernel* other = sprig_choose_f32_nmspmm_ukernel(&outoforder);
  assert_non_null(other);
  assert_true(other->is_default && !other->inorder && other->isa == uk->isa && other->mr == uk->mr);
}

static bool has_clamp_flavour(const void* ukernel) {
  return wasm_clamp_flavour(((const struct sprig_f32_nmspmm_ukernel*) ukernel)->name) != NULL;
}

/* A CPU with only this kernel's ISA: the default's narrowing to every pixel count keeps the
 * default's clamp flavour. */
static void choices_keep_default_flavour(const void* ukernel) {
  KERNEL(uk);
  const struct sprig_hardware hardware = hardware_with_only(uk->isa, false);
  const struct sprig_f32_nmspmm_ukernel* chosen = sprig_choose_f32_nmspmm_ukernel(&hardware);
  assert_non_null(chosen);
  const char* want = wasm_clamp_flavour(chosen->name);
  for (size_t pixels = 1; pixels <= FLAVOUR_CHECK_PIXELS; pixels++) {
    assert_default_flavour(sprig_fit_f32_nmspmm_ukernel(&hardware, chosen, pixels)->name, want, pixels);
  }
}

static const struct kernel_test_case cases[] = {
    {"k = 1", k_eq_1, NULL},
    {"m = 1", m_eq_1, NULL},
    {"m < MR", m_lt_mr, mr_above_1},
    {"m = MR", m_eq_mr, NULL},
    {"m = MR + 1", m_eq_mr_plus_1, NULL},
    {"m = 2 MR + 3", m_eq_2mr_plus_3, NULL},
    {"channels 1 .. 7 (block leftovers)", channel_leftovers, NULL},
    {"all-zero channels", zero_channels, NULL},
    {"sparsity 0 (4:4, every slot filled)", sparsity_0, NULL},
    {"sparsity 1 (every slot padding)", sparsity_1, NULL},
    {"rows not a multiple of M (short last run)", short_last_run, NULL},
    {"long runs (M = 16)", long_runs, NULL},
    {"every pattern", every_pattern, NULL},
    {"input stride > m", input_stride_gt_m, NULL},
    {"output stride > m", output_stride_gt_m, NULL},
    {"clamp min", clamp_min, NULL},
    {"clamp max", clamp_max, NULL},
    {"clamp min and max", clamp_min_max, NULL},
    {"non-contiguous strides", non_contiguous_strides, NULL},
    {"split calls (operator tiles)", split_calls, NULL},
    {"zero bias", zero_bias, NULL},
    {"many K-blocks (1030 and 2050 rows)", many_k_blocks, NULL},
    {"large: m = 8 MR + 5, 301 rows", large, NULL},
    {"one pixel, contiguous rows (matrix-vector)", one_pixel_contiguous, NULL},
    {"sweep: m = 1 .. 3 MR + 1", sweep, NULL},
    {"chosen on in-order cores", chosen_on_inorder_cores, is_inorder},
    {"choices keep the default's clamp flavour", choices_keep_default_flavour, has_clamp_flavour},
};


/* ---- the matrix-times-vectors kernels (kernels/f32-nmspmm/mv-list.inc) ---- */

struct mv_tester {
  struct nm_tester nm;    /* channels, rows, pattern, fill, clamps, bias, zero channels, seed */
  size_t batch;           /* input vectors */
  size_t input_padding;   /* vectors are rows + input_padding floats apart */
  size_t output_padding;  /* output vectors are channels + output_padding floats apart */
  bool split;             /* two calls: channels [0, c/2) and [c/2, c) */
};

static void describe_mv(const struct mv_tester* t, char* buffer, size_t size) {
  snprintf(buffer, size, "%s (%zu:%zu batch=%zu channels=%zu rows=%zu fill=%.2f paddings=%zu/%zu clamp=[%g, %g] "
           "zero_bias=%d zero_channels=%d split=%d seed=%llu)",
           *kernel_test_name(), t->nm.pattern_n, t->nm.pattern_m, t->batch, t->nm.channels, t->nm.rows, t->nm.fill,
           t->input_padding, t->output_padding, (double) t->nm.min, (double) t->nm.max, t->nm.zero_bias,
           t->nm.zero_channels, t->split, (unsigned long long) t->nm.seed);
}

/* Calls the kernel on channels [c0, c1) of every vector; the bias is exactly c1 - c0 floats. */
static void call_mv(const struct sprig_f32_nmspmv_ukernel* uk, const struct mv_tester* t, const struct nm_weights* w,
                    const float* bias, const float* input, float* output, size_t c0, size_t c1,
                    const struct sprig_f32_minmax_params* params) {
  if (c0 == c1) {
    return;
  }
  const size_t slots = w->groups * t->nm.pattern_n;
  float* call_bias = malloc((c1 - c0) * sizeof(float));
  memcpy(call_bias, bias + c0, (c1 - c0) * sizeof(float));
  uk->fn(t->batch, c1 - c0, w->groups, t->nm.pattern_n, t->nm.pattern_m, input,
         (t->nm.rows + t->input_padding) * sizeof(float), call_bias, w->values + c0 * slots, w->indices + c0 * slots,
         output + c0, (t->nm.channels + t->output_padding) * sizeof(float), params);
  free(call_bias);
}

static void mv_tester_run(const struct mv_tester* t, const struct sprig_f32_nmspmv_ukernel* uk) {
  const size_t channels = t->nm.channels;
  const size_t rows = t->nm.rows;
  const size_t input_stride = rows + t->input_padding;
  const size_t output_stride = channels + t->output_padding;
  struct rng rng = {t->nm.seed};
  float* bias = malloc(channels * sizeof(float));
  fill_random(&rng, bias, channels);
  if (t->nm.zero_bias) {
    fill_value(bias, channels, 0.0f);
  }
  struct nm_weights w = make_nm(&rng, &t->nm);
  struct csr a = csr_from_dense(w.dense, channels, rows);
  /* Exactly sized so ASan sees any read past the last vector's rows or write past its channels. */
  const size_t input_count = (t->batch - 1) * input_stride + rows;
  struct guarded input_memory; /* and a guard page after it */
  float* input = guarded_alloc(&input_memory, input_count * sizeof(float));
  fill_random(&rng, input, input_count);
  const size_t output_count = (t->batch - 1) * output_stride + channels;
  float* output = malloc(output_count * sizeof(float));
  float* expected = malloc(output_count * sizeof(float));
  fill_value(output, output_count, SENTINEL);
  fill_value(expected, output_count, SENTINEL);
  for (size_t b = 0; b < t->batch; b++) {
    sprig_reference_f32_spmm(1, channels, input + b * input_stride, 1, a.row_ptr, a.col_idx, a.values, bias,
                             expected + b * output_stride, 1, t->nm.min, t->nm.max);
  }
  const struct sprig_f32_minmax_params params = {t->nm.min, t->nm.max};
  if (t->split) {
    call_mv(uk, t, &w, bias, input, output, 0, channels / 2, &params);
    call_mv(uk, t, &w, bias, input, output, channels / 2, channels, &params);
  } else {
    call_mv(uk, t, &w, bias, input, output, 0, channels, &params);
  }
  char what[512];
  describe_mv(t, what, sizeof(what));
  for (size_t b = 0; b < t->batch; b++) {
    char vector_what[600];
    snprintf(vector_what, sizeof(vector_what), "%s, vector %zu", what, b);
    assert_kernel_output(vector_what, &a, bias, input + b * input_stride, 1, output + b * output_stride,
                         expected + b * output_stride, channels, 1, 1, w.groups * t->nm.pattern_n);
    if (b + 1 < t->batch) {
      assert_all_equal(output + b * output_stride + channels, t->output_padding, SENTINEL, vector_what);
    }
  }
  free_nm(&w);
  csr_free(&a);
  free(bias);
  guarded_free(&input_memory);
  free(output);
  free(expected);
}

#define MV_KERNEL(uk) const struct sprig_f32_nmspmv_ukernel* uk = (const struct sprig_f32_nmspmv_ukernel*) ukernel

/* A 2:4 problem: the starting point of the cases below. */
static struct mv_tester mv_tester_for(size_t batch) {
  return (struct mv_tester){.nm = {.m = 1, .channels = 9, .rows = 77, .pattern_n = 2, .pattern_m = 4, .fill = 0.8,
                                   .min = -INFINITY, .max = INFINITY, .seed = 11},
                            .batch = batch};
}

static void mv_batches(const void* ukernel) {
  MV_KERNEL(uk);
  for (size_t batch = 1; batch <= 13; batch++) {
    struct mv_tester t = mv_tester_for(batch);
    t.nm.seed += batch;
    mv_tester_run(&t, uk);
  }
}

static void mv_every_pattern(const void* ukernel) {
  MV_KERNEL(uk);
  /* Patterns whose slots fill vectors within the kernels' windows, and others; row counts
   * around the runs and the windows (1000 and 1001 give several vector steps). */
  static const size_t patterns[][2] = {{2, 4}, {1, 4}, {2, 8}, {4, 8}, {8, 16}, {1, 2}, {4, 16},
                                       {2, 3}, {3, 4}, {3, 8}, {5, 8}, {12, 16}, {15, 16}, {1, 1}, {16, 16}};
  static const size_t rows[] = {1000, 33, 70, 1001, 1, 5};
  uint64_t seed = 300;
  for (size_t pi = 0; pi < sizeof(patterns) / sizeof(patterns[0]); pi++) {
    for (size_t ri = 0; ri < sizeof(rows) / sizeof(rows[0]); ri++) {
      struct mv_tester t = mv_tester_for(1 + (pi + ri) % 6);
      t.nm.rows = rows[ri];
      t.nm.pattern_n = patterns[pi][0];
      t.nm.pattern_m = patterns[pi][1];
      t.nm.fill = ri % 2 == 0 ? 1.0 : 0.6;
      t.nm.channels = 1 + (pi * 7 + ri) % 11;
      t.nm.seed = seed++;
      mv_tester_run(&t, uk);
    }
  }
}

static void mv_fills(const void* ukernel) {
  MV_KERNEL(uk);
  /* Every slot padding (sparsity 1), every slot filled (4:4, sparsity 0), all-zero channels. */
  static const double fills[] = {0.0, 1.0, 0.3};
  for (size_t f = 0; f < 3; f++) {
    for (size_t batch = 1; batch <= 5; batch++) {
      struct mv_tester t = mv_tester_for(batch);
      t.nm.fill = fills[f];
      if (f == 1 && batch % 2 == 0) {
        t.nm.pattern_n = 4;
      }
      t.nm.zero_channels = f == 2;
      t.nm.seed = 40 + 5 * f + batch;
      mv_tester_run(&t, uk);
    }
  }
}

static void mv_strides_clamps_splits(const void* ukernel) {
  MV_KERNEL(uk);
  uint64_t seed = 500;
  for (size_t batch = 1; batch <= 9; batch++) {
    for (int variant = 0; variant < 4; variant++) {
      struct mv_tester t = mv_tester_for(batch);
      t.input_padding = variant & 1 ? 3 : 0;
      t.output_padding = variant & 2 ? 5 : 0;
      t.split = variant == 1 || variant == 2;
      t.nm.min = variant == 3 ? -0.5f : -INFINITY;
      t.nm.max = variant >= 2 ? 1.0f : INFINITY;
      t.nm.zero_bias = variant == 2;
      t.nm.channels = 1 + (batch + (size_t) variant) % 10;
      t.nm.rows = 64 + 33 * (size_t) variant;
      t.nm.seed = seed++;
      mv_tester_run(&t, uk);
    }
  }
}

static void mv_large(const void* ukernel) {
  MV_KERNEL(uk);
  /* A linear layer's shape: 768 rows, 2:4 and 1:4, 8 and 7 vectors. */
  struct mv_tester t = mv_tester_for(8);
  t.nm.rows = 768;
  t.nm.channels = 67;
  mv_tester_run(&t, uk);
  t.batch = 7;
  t.nm.pattern_n = 1;
  t.nm.seed = 12;
  mv_tester_run(&t, uk);
}

/* The chooser takes this ISA's default on a CPU with only this ISA. */
static void mv_chosen(const void* ukernel) {
  MV_KERNEL(uk);
  const struct sprig_hardware hardware = hardware_with_only(uk->isa, false);
  const struct sprig_f32_nmspmv_ukernel* chosen = sprig_choose_f32_nmspmv_ukernel(&hardware);
  assert_true(chosen->isa == uk->isa && chosen->is_default);
}

static bool mv_is_default(const void* ukernel) {
  return ((const struct sprig_f32_nmspmv_ukernel*) ukernel)->is_default;
}

static const struct kernel_test_case mv_cases[] = {
    {"vectors 1 .. 13", mv_batches, NULL},
    {"every pattern, rows around the windows", mv_every_pattern, NULL},
    {"sparsity 1, sparsity 0, all-zero channels", mv_fills, NULL},
    {"strides, clamps, split calls", mv_strides_clamps_splits, NULL},
    {"large: 768 rows, 7 and 8 vectors", mv_large, NULL},
    {"chosen as its ISA's default", mv_chosen, mv_is_default},
};

static enum sprig_isa mv_isa_of(const void* entry) {
  return ((const struct sprig_f32_nmspmv_ukernel*) entry)->isa;
}

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_f32_nmspmm_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  (void) sprig_initialize();
  return 0;
}

int main(void) {
  const int spmm_failures =
      run_kernel_cases("f32-nmspmm", sprig_f32_nmspmm_ukernels, sprig_f32_nmspmm_ukernel_count,
                       sizeof(sprig_f32_nmspmm_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                       initialize);
  const int spmv_failures =
      run_kernel_cases("f32-nmspmv", sprig_f32_nmspmv_ukernels, sprig_f32_nmspmv_ukernel_count,
                       sizeof(sprig_f32_nmspmv_ukernels[0]), mv_isa_of, mv_cases,
                       sizeof(mv_cases) / sizeof(mv_cases[0]), initialize);
  return spmm_failures != 0 || spmv_failures != 0;
}
