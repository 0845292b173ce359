/*
 * Every 1 x C block-sparse matrix-vector kernel of kernels/f32-bspmv/list.inc and
 * kernels/f16-bspmv/list.inc against kernels/reference, case by case.
 *
 * How to read this file: struct bspmv_tester describes one problem (input features k, output
 * features n, how many blocks are stored, clamps, ...). bspmv_tester_run makes random 1 x C
 * blocks in the kernels' layout (src/sprig/bspmv.h), calls the kernel the way operators do and
 * compares every output with the reference (the same weights dense), and checks that nothing
 * after the last output was written. f16 kernels get the same weights rounded to halves, with
 * their block columns as gaps (all-zero bridge blocks where a gap passes 255, as the packer
 * stores them). The cases at the end each set up a tester for one
 * situation and the table `cases` names them; every listed kernel runs every case, as one
 * CMocka test "<kernel>: <case>". These kernels take one input vector (MR = 1) and write
 * contiguous outputs, so the pixel and stride cases of the SpMM families have no counterpart.
 */
#include "test-util.h"

#include <stdbool.h>

#include <sprig.h>
#include <sprig/bspmv.h>
#include <sprig/half.h>
#include <sprig/hardware.h>
#include <reference/reference.h>

/* One kernel of either family (entries start with their name, as run_kernel_cases needs). */
struct bspmv_kernel {
  const char* name;
  enum sprig_isa isa;
  uint32_t block_width;
  sprig_f32_bspmv_ukernel_fn f32; /* exactly one of f32, f16 set */
  sprig_f16_bspmv_ukernel_fn f16;
};

struct bspmv_tester {
  size_t k;             /* input features */
  size_t n;             /* output features (rows): the kernel's nc */
  double fill;          /* chance that a block is stored (0: none, 1: all) */
  float min, max;       /* the output clamp */
  bool zero_bias;       /* all-zero bias (what operators pass when the user gives none) */
  bool zero_rows;       /* rows 1, 4, 7, ... have no block */
  bool split;           /* two calls, the second starting at an odd row, as operators do */
  bool tiny;            /* weights scaled by 2^-18: mostly subnormal as halves */
  uint64_t seed;
};

static struct bspmv_tester bspmv_tester_for(const struct bspmv_kernel* uk) {
  return (struct bspmv_tester){
      .k = 37 * uk->block_width, .n = 17, .fill = 0.5, .min = -INFINITY, .max = INFINITY, .seed = 11};
}

/* Random 1 x c blocks in the kernel's layout, and the same weights dense ([n][kp]) for the
 * reference. Blocks past k keep their in-range values and zeros beyond k, as the packer does.
 * halves: values rounded to halves (the dense weights get the rounded values), block columns as
 * gaps, with all-zero bridge blocks where a gap would pass 255. */
struct bspmv_weights {
  size_t c, kp, blocks;
  float* dense;
  float* values;
  uint16_t* halves;
  uint16_t* cols;
  uint8_t* gaps;
  uint32_t* nblocks;
  size_t* first_block; /* per row + 1 */
};

/* Stores block column b of row r (its c values from `v`), after the bridges a gap needs. */
static void add_block(struct bspmv_weights* w, size_t r, size_t b, size_t* previous, const float* v) {
  while (b - *previous > 255) {
    *previous += 255;
    for (size_t j = 0; j < w->c; j++) {
      w->values[w->blocks * w->c + j] = 0.0f;
      w->halves[w->blocks * w->c + j] = 0;
    }
    w->cols[w->blocks] = (uint16_t) *previous;
    w->gaps[w->blocks++] = 255;
    w->nblocks[r]++;
  }
  for (size_t j = 0; j < w->c; j++) {
    w->values[w->blocks * w->c + j] = v[j];
    w->halves[w->blocks * w->c + j] = sprig_float_to_half(v[j]);
  }
  w->cols[w->blocks] = (uint16_t) b;
  w->gaps[w->blocks++] = (uint8_t) (b - *previous);
  w->nblocks[r]++;
  *previous = b;
}

static struct bspmv_weights make_weights(struct rng* rng, const struct bspmv_tester* t, size_t c, bool halves) {
  struct bspmv_weights w = {.c = c, .kp = sprig_divide_round_up_test(t->k, c) * c};
  const size_t block_cols = w.kp / c;
  /* Bridges: at most one per 255 block columns of a row. */
  const size_t most_blocks = SPRIG_TEST_MAX(t->n * (block_cols + block_cols / 255 + 1), 1);
  w.dense = calloc(t->n * w.kp, sizeof(float));
  w.values = malloc(most_blocks * c * sizeof(float));
  w.halves = malloc(most_blocks * c * sizeof(uint16_t));
  w.cols = malloc(most_blocks * sizeof(uint16_t));
  w.gaps = malloc(most_blocks);
  w.nblocks = calloc(t->n, sizeof(uint32_t));
  w.first_block = malloc((t->n + 1) * sizeof(size_t));
  for (size_t r = 0; r < t->n; r++) {
    w.first_block[r] = w.blocks;
    size_t previous = (size_t) -1;
    for (size_t b = 0; b < block_cols; b++) {
      if ((double) rng_next(rng) / 2147483648.0 >= t->fill || (t->zero_rows && r % 3 == 1)) {
        continue;
      }
      float v[8];
      for (size_t j = 0; j < c; j++) {
        const size_t col = b * c + j;
        v[j] = col < t->k ? rng_float(rng) * (t->tiny ? 0x1.0p-18f : 1.0f) : 0.0f;
        if (halves) {
          v[j] = sprig_half_to_float(sprig_float_to_half(v[j]));
        }
        w.dense[r * w.kp + col] = v[j];
      }
      add_block(&w, r, b, &previous, v);
    }
  }
  w.first_block[t->n] = w.blocks;
  return w;
}

static void free_weights(struct bspmv_weights* w) {
  free(w->dense);
  free(w->values);
  free(w->halves);
  free(w->cols);
  free(w->gaps);
  free(w->nblocks);
  free(w->first_block);
}

static void call_rows(const struct bspmv_kernel* uk, const struct bspmv_weights* w, const float* x,
                      const float* bias, float* y, size_t r0, size_t r1, const struct sprig_f32_minmax_params* p) {
  if (r0 == r1) {
    return;
  }
  const size_t b0 = w->first_block[r0];
  if (uk->f16 != NULL) {
    uk->f16(r1 - r0, x, bias + r0, w->halves + b0 * w->c, w->gaps + b0, w->nblocks + r0, y + r0, p);
  } else {
    uk->f32(r1 - r0, x, bias + r0, w->values + b0 * w->c, w->cols + b0, w->nblocks + r0, y + r0, p);
  }
}

static void bspmv_tester_run(const struct bspmv_tester* t, const struct bspmv_kernel* uk) {
  struct rng rng = {t->seed};
  struct bspmv_weights w = make_weights(&rng, t, uk->block_width, uk->f16 != NULL);
  float* bias = malloc(t->n * sizeof(float));
  fill_random(&rng, bias, t->n);
  if (t->zero_bias) {
    fill_value(bias, t->n, 0.0f);
  }
  /* Exactly the readable floats the contract promises (round_up(k, c)): ASan sees over-reads. */
  struct guarded x_memory; /* and a guard page after it */
  float* x = guarded_alloc(&x_memory, w.kp * sizeof(float));
  fill_random(&rng, x, w.kp);
  float* y = malloc((t->n + 4) * sizeof(float));
  float* expected = malloc(t->n * sizeof(float));
  fill_value(y, t->n + 4, SENTINEL);
  sprig_reference_f32_linear(1, w.kp, t->n, x, w.dense, bias, expected, t->min, t->max);
  const struct sprig_f32_minmax_params params = {t->min, t->max};
  if (t->split) {
    const size_t mid = SPRIG_TEST_MIN((t->n / 2) | 1, t->n);
    call_rows(uk, &w, x, bias, y, 0, mid, &params);
    call_rows(uk, &w, x, bias, y, mid, t->n, &params);
  } else {
    call_rows(uk, &w, x, bias, y, 0, t->n, &params);
  }
  char what[384];
  snprintf(what, sizeof(what), "%s (k=%zu n=%zu fill=%.2f clamp=[%g, %g] zero_bias=%d zero_rows=%d split=%d seed=%llu)",
           *kernel_test_name(), t->k, t->n, t->fill, (double) t->min, (double) t->max, t->zero_bias, t->zero_rows,
           t->split, (unsigned long long) t->seed);
  for (size_t r = 0; r < t->n; r++) {
    double magnitude = fabs(bias[r]);
    for (size_t i = 0; i < w.kp; i++) {
      magnitude += fabs(w.dense[r * w.kp + i] * x[i]);
    }
    const float bound = error_bound(w.kp, magnitude);
    if (!(fabsf(y[r] - expected[r]) <= bound)) {
      fail_msg("%s: output %zu is %.9g, expected %.9g (bound %.3g)", what, r, (double) y[r], (double) expected[r],
               (double) bound);
    }
  }
  assert_all_equal(y + t->n, 4, SENTINEL, what);
  free_weights(&w);
  free(bias);
  guarded_free(&x_memory);
  free(y);
  free(expected);
}

/* ---- the cases (each runs on every listed kernel; the table below names them) ---- */

#define KERNEL(uk) const struct bspmv_kernel* uk = (const struct bspmv_kernel*) ukernel

static void k_eq_1(const void* ukernel) {
  KERNEL(uk);
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.k = 1;
  t.fill = 1.0;
  bspmv_tester_run(&t, uk);
}

static void k_around_c(const void* ukernel) {
  KERNEL(uk);
  /* One block, whole or padded past k, and a second block padded. */
  const size_t c = uk->block_width;
  const size_t ks[] = {c - 1, c, c + 1, 2 * c - 1, 3 * c + 2};
  for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
    struct bspmv_tester t = bspmv_tester_for(uk);
    t.k = ks[i];
    t.fill = 1.0;
    t.seed = i;
    bspmv_tester_run(&t, uk);
  }
}

static void n_eq_1(const void* ukernel) {
  KERNEL(uk);
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.n = 1;
  bspmv_tester_run(&t, uk);
}

static void block_count_remainders(const void* ukernel) {
  KERNEL(uk);
  /* Every row length from 0 to 40 blocks: the kernels' unrolled steps (4 accumulators, 1, 2 or
   * 4 blocks each) and each remainder after them. */
  for (size_t blocks = 0; blocks <= 40; blocks++) {
    struct bspmv_tester t = bspmv_tester_for(uk);
    t.k = blocks * uk->block_width;
    t.n = 3;
    t.fill = 1.0;
    t.seed = blocks;
    if (blocks == 0) {
      t.k = uk->block_width;
      t.fill = 0.0;
    }
    bspmv_tester_run(&t, uk);
  }
}

static void zero_rows(const void* ukernel) {
  KERNEL(uk);
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.zero_rows = true;
  bspmv_tester_run(&t, uk);
  t.split = true;
  bspmv_tester_run(&t, uk);
}

static void sparsity_0(const void* ukernel) {
  KERNEL(uk);
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.fill = 1.0;
  bspmv_tester_run(&t, uk);
}

static void sparsity_1(const void* ukernel) {
  KERNEL(uk);
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.fill = 0.0;
  bspmv_tester_run(&t, uk);
}

static void wide_block_columns(const void* ukernel) {
  KERNEL(uk);
  /* Block columns past 2^15 (unsigned 16-bit columns) and far apart. */
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.k = 40000 * uk->block_width + 3;
  t.n = 3;
  t.fill = 0.01;
  bspmv_tester_run(&t, uk);
}

static void clamp_min(const void* ukernel) {
  KERNEL(uk);
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.min = -0.5f;
  bspmv_tester_run(&t, uk);
}

static void clamp_max(const void* ukernel) {
  KERNEL(uk);
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.max = 0.75f;
  bspmv_tester_run(&t, uk);
}

static void clamp_min_max(const void* ukernel) {
  KERNEL(uk);
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.min = -0.5f;
  t.max = 0.75f;
  bspmv_tester_run(&t, uk);
}

static void split_calls(const void* ukernel) {
  KERNEL(uk);
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.n = 40;
  t.split = true;
  bspmv_tester_run(&t, uk);
}

static void zero_bias(const void* ukernel) {
  KERNEL(uk);
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.zero_bias = true;
  bspmv_tester_run(&t, uk);
}

static void tiny_weights(const void* ukernel) {
  KERNEL(uk);
  /* Subnormal halves must widen exactly (the f16 kernels; the f32 ones see small floats). */
  struct bspmv_tester t = bspmv_tester_for(uk);
  t.tiny = true;
  t.fill = 1.0;
  bspmv_tester_run(&t, uk);
}

static void sweep(const void* ukernel) {
  KERNEL(uk);
  /* Widths around the block size and rows long enough for every unrolled step, against row
   * counts, fills, clamps and split calls. */
  const size_t c = uk->block_width;
  const size_t ks[] = {1, c - 1, c, c + 1, 2 * c - 1, 3 * c + 2, 37, 100, 1003, 4096};
  const size_t ns[] = {1, 2, 3, 5, 17, 40};
  const double fills[] = {0.0, 0.3, 1.0, 0.7};
  uint64_t seed = 11;
  for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
    for (size_t ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++) {
      const size_t variant = ki + ni;
      const struct bspmv_tester t = {
          .k = ks[ki], .n = ns[ni], .fill = fills[variant % 4], .min = variant % 3 == 0 ? -0.5f : -INFINITY,
          .max = variant % 3 == 0 ? 0.75f : INFINITY, .split = variant % 2 == 1, .seed = seed++};
      bspmv_tester_run(&t, uk);
    }
  }
}

static const struct kernel_test_case cases[] = {
    {"k = 1", k_eq_1, NULL},
    {"k around C (padded blocks)", k_around_c, NULL},
    {"n = 1", n_eq_1, NULL},
    {"0 .. 40 blocks per row (unroll remainders)", block_count_remainders, NULL},
    {"rows without blocks", zero_rows, NULL},
    {"sparsity 0 (every block)", sparsity_0, NULL},
    {"sparsity 1 (no block)", sparsity_1, NULL},
    {"block columns past 2^15", wide_block_columns, NULL},
    {"clamp min", clamp_min, NULL},
    {"clamp max", clamp_max, NULL},
    {"clamp min and max", clamp_min_max, NULL},
    {"split calls (operator row ranges)", split_calls, NULL},
    {"zero bias", zero_bias, NULL},
    {"tiny weights (subnormal halves)", tiny_weights, NULL},
    {"sweep: k around C .. 4096, n = 1 .. 40", sweep, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct bspmv_kernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  (void) sprig_initialize();
  return 0;
}

int main(void) {
  const size_t count = sprig_f32_bspmv_ukernel_count + sprig_f16_bspmv_ukernel_count;
  struct bspmv_kernel* kernels = calloc(count, sizeof(struct bspmv_kernel));
  if (kernels == NULL) {
    return 1;
  }
  for (size_t i = 0; i < sprig_f32_bspmv_ukernel_count; i++) {
    const struct sprig_f32_bspmv_ukernel* k = &sprig_f32_bspmv_ukernels[i];
    kernels[i] = (struct bspmv_kernel){k->name, k->isa, k->block_width, k->fn, NULL};
  }
  for (size_t i = 0; i < sprig_f16_bspmv_ukernel_count; i++) {
    const struct sprig_f16_bspmv_ukernel* k = &sprig_f16_bspmv_ukernels[i];
    kernels[sprig_f32_bspmv_ukernel_count + i] = (struct bspmv_kernel){k->name, k->isa, k->block_width, NULL, k->fn};
  }
  const int failed = run_kernel_cases("bspmv", kernels, count, sizeof(kernels[0]), isa_of, cases,
                                      sizeof(cases) / sizeof(cases[0]), initialize);
  free(kernels);
  return failed;
}
