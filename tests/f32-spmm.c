/*
 * Every f32 SpMM kernel of kernels/f32-spmm/list.inc against kernels/reference, case by case.
 *
 * How to read this file: struct spmm_tester describes one problem (pixels, channels, input
 * rows, sparsity, strides, clamps, ...). spmm_tester_run makes random sparse weights, lays them
 * out in the kernels' stream (src/sprig/spmm.h; built here, independently of src/pack), calls
 * the kernel the way operators do and compares every output float, the padding between output
 * rows included, with the reference. The cases at the end each set up a tester for one
 * situation -- k = 1, m just above MR, clamps, long row steps ... -- and the table `cases` names
 * them; every listed kernel runs every case, as one CMocka test "<kernel>: <case>". A failure
 * names the test, the tester's parameters and the channel and pixel.
 */
#include "test-util.h"

#include <stdbool.h>

#include <sprig.h>
#include <sprig/config.h>
#include <sprig/hardware.h>
#include <sprig/spmm.h>
#include <reference/reference.h>

struct spmm_tester {
  size_t m;               /* pixels per row: the kernel's mc */
  size_t n;               /* output channels: nc */
  size_t k;               /* input rows */
  double sparsity;        /* chance that a weight is zero: 0 dense, 1 no nonzero at all */
  size_t input_padding;   /* input rows are m + input_padding floats apart */
  size_t output_padding;  /* output channels are m + output_padding floats apart */
  float min, max;         /* the output clamp */
  bool zero_bias;         /* all-zero bias (what operators pass when the user gives none) */
  bool zero_channels;     /* channels 1, 4, 7, ... and the second block of NR have no nonzeros */
  bool ends;              /* every other channel also has nonzeros in rows 0 and k - 1 */
  bool split;             /* 2 x 2 calls, at an odd pixel and an NR-aligned channel offset */
  size_t far_stride;      /* not 0: the kernel reads the input rows this many bytes apart */
  uint64_t seed;
};

/* A small problem of one full tile: the starting point of every case. */
static struct spmm_tester spmm_tester_for(const struct sprig_f32_spmm_ukernel* uk) {
  return (struct spmm_tester){
      .m = uk->mr, .n = 2 * uk->nr + 1, .k = 23, .sparsity = 0.7, .min = -INFINITY, .max = INFINITY, .seed = 1};
}

/* The kernel's view of the weights (see src/sprig/spmm.h): units are blocks of NR channels
 * (one entry per column of the block's column union, NR values per entry), then single
 * leftover channels. Columns go in increasing order in every unit, so the step back to the
 * next unit's first column is long and goes through zero-valued bridge entries. */
struct kernel_stream {
  size_t nr, blocks, units;
  float* weights;
  int8_t* deltas;
  uint32_t* nnz;          /* per unit: entries */
  size_t* unit_weight;    /* per unit: offset in weights */
  size_t* unit_delta;     /* per unit: offset in deltas */
  uint32_t* delta_row;    /* per entry: its input row */
};

/* Appends an entry at `row` with `width` values, after the bridges that keep every step
 * within SPRIG_SPMM_MAX_STEP rows. Returns the entries added. */
static uint32_t put_entry(struct kernel_stream* s, uint32_t row, const float* values, size_t width, size_t* w,
                          size_t* d) {
  uint32_t added = 0;
  while (*d > 0 && (row > s->delta_row[*d - 1] + SPRIG_SPMM_MAX_STEP ||
                    row + SPRIG_SPMM_MAX_STEP < s->delta_row[*d - 1])) {
    const uint32_t previous = s->delta_row[*d - 1];
    s->delta_row[(*d)++] = row > previous ? previous + SPRIG_SPMM_MAX_STEP : previous - SPRIG_SPMM_MAX_STEP;
    for (size_t i = 0; i < width; i++) {
      s->weights[(*w)++] = 0.0f;
    }
    added++;
  }
  s->delta_row[(*d)++] = row;
  for (size_t i = 0; i < width; i++) {
    s->weights[(*w)++] = values[i];
  }
  return added + 1;
}

/* Appends one unit of `rows` channels starting at channel r0 (rows == 1 or nr). */
static void append_unit(struct kernel_stream* s, const struct csr* a, size_t r0, size_t rows, size_t unit, size_t* w,
                        size_t* d) {
  s->unit_weight[unit] = *w;
  s->unit_delta[unit] = *d;
  uint32_t entries = 0;
  for (uint32_t c = 0; c < a->cols; c++) {
    int present = 0;
    float v[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (size_t i = 0; i < rows; i++) {
      for (uint32_t j = a->row_ptr[r0 + i]; j < a->row_ptr[r0 + i + 1]; j++) {
        if (a->col_idx[j] == c) {
          present = 1;
          v[i] = a->values[j];
        }
      }
    }
    if (present) {
      entries += put_entry(s, c, v, rows, w, d);
    }
  }
  s->nnz[unit] = entries;
}

static struct kernel_stream make_stream(const struct csr* a, size_t nr) {
  struct kernel_stream s;
  s.nr = nr;
  s.blocks = a->rows / nr;
  s.units = s.blocks + a->rows % nr;
  /* Worst case: every unit stores all of its rows for every column, plus bridges. */
  const size_t max_entries = a->rows * a->cols + s.units * (a->cols / SPRIG_SPMM_MAX_STEP + 2);
  s.weights = malloc(SPRIG_TEST_MAX(max_entries * nr, 1) * sizeof(float));
  s.delta_row = malloc(SPRIG_TEST_MAX(max_entries, 1) * sizeof(uint32_t));
  s.nnz = malloc(s.units * sizeof(uint32_t));
  s.unit_weight = malloc((s.units + 1) * sizeof(size_t));
  s.unit_delta = malloc((s.units + 1) * sizeof(size_t));
  size_t w = 0, d = 0;
  for (size_t b = 0; b < s.blocks; b++) {
    append_unit(&s, a, b * nr, nr, b, &w, &d);
  }
  for (size_t r = s.blocks * nr; r < a->rows; r++) {
    append_unit(&s, a, r, 1, s.blocks + (r - s.blocks * nr), &w, &d);
  }
  s.unit_weight[s.units] = w;
  s.unit_delta[s.units] = d;
  /* Exactly sized, so ASan catches a kernel reading past its weights or deltas. */
  s.weights = realloc(s.weights, SPRIG_TEST_MAX(w, 1) * sizeof(float));
  s.deltas = malloc(SPRIG_TEST_MAX(d, 1));
  for (size_t j = 0; j < d; j++) {
    /* After the last entry the contract allows anything: a junk step catches kernels that
     * read the row after the last entry. */
    s.deltas[j] = j + 1 < d ? (int8_t) ((int64_t) s.delta_row[j + 1] - (int64_t) s.delta_row[j])
                            : SPRIG_SPMM_MAX_STEP;
  }
  return s;
}

static void free_stream(struct kernel_stream* s) {
  free(s->weights);
  free(s->deltas);
  free(s->delta_row);
  free(s->nnz);
  free(s->unit_weight);
  free(s->unit_delta);
}

/* Calls the kernel on channels [n0, n1) and pixels [p0, p1); n0 is a multiple of NR. The bias
 * is exactly nc floats long, so ASan catches a kernel reading past it. */
static void call_kernel(const struct sprig_f32_spmm_ukernel* uk, const struct kernel_stream* s, const float* bias,
                        const float* input, size_t input_stride, float* output, size_t output_stride, size_t n0,
                        size_t n1, size_t p0, size_t p1, const struct sprig_f32_minmax_params* params) {
  if (n0 == n1 || p0 == p1) {
    return;
  }
  const size_t unit = n0 < s->blocks * s->nr ? n0 / s->nr : s->blocks + (n0 - s->blocks * s->nr);
  const size_t first_delta = s->unit_delta[unit];
  const size_t first_row = first_delta < s->unit_delta[s->units] ? s->delta_row[first_delta] : 0;
  float* call_bias = malloc((n1 - n0) * sizeof(float));
  memcpy(call_bias, bias + n0, (n1 - n0) * sizeof(float));
  uk->fn(p1 - p0, n1 - n0, input + first_row * input_stride + p0, input_stride * sizeof(float), call_bias,
         s->weights + s->unit_weight[unit], s->deltas + first_delta, s->nnz + unit, output + n0 * output_stride + p0,
         output_stride * sizeof(float), params);
  free(call_bias);
}

/* Whether channel r of the tester's weights has no nonzero (zero_channels). */
static bool is_zero_channel(const struct spmm_tester* t, size_t nr, size_t r) {
  const bool second_block = nr > 1 && r / nr == 1 && (r / nr + 1) * nr <= t->n;
  return t->zero_channels && (r % 3 == 1 || second_block);
}

/* The tester's parameters, for failure messages. */
static void describe(const struct spmm_tester* t, char* buffer, size_t size) {
  snprintf(buffer, size,
           "%s (m=%zu n=%zu k=%zu sparsity=%.2f strides=%zu/%zu clamp=[%g, %g] zero_bias=%d zero_channels=%d ends=%d "
           "split=%d far_stride=%zu seed=%llu)",
           *kernel_test_name(), t->m, t->n, t->k, t->sparsity, t->m + t->input_padding, t->m + t->output_padding,
           (double) t->min, (double) t->max, t->zero_bias, t->zero_channels, t->ends, t->split, t->far_stride,
           (unsigned long long) t->seed);
}

static void spmm_tester_run(const struct spmm_tester* t, const struct sprig_f32_spmm_ukernel* uk) {
  const size_t input_stride = t->m + t->input_padding;
  const size_t output_stride = t->m + t->output_padding;
  struct rng rng = {t->seed};
  float* dense = malloc(SPRIG_TEST_MAX(t->n * t->k, 1) * sizeof(float));
  fill_sparse(&rng, dense, t->n, t->k, t->sparsity);
  for (size_t r = 0; r < t->n; r++) {
    if (t->ends && r % 2 == 0) {
      dense[r * t->k] = 0.75f;
      dense[r * t->k + t->k - 1] = -0.5f;
    }
    if (is_zero_channel(t, uk->nr, r)) {
      memset(dense + r * t->k, 0, t->k * sizeof(float));
    }
  }
  struct csr a = csr_from_dense(dense, t->n, t->k);
  float* bias = malloc(t->n * sizeof(float));
  fill_random(&rng, bias, t->n);
  if (t->zero_bias) {
    fill_value(bias, t->n, 0.0f);
  }
  /* Exactly sized so ASan (and the guard page) sees any read past the last row. */
  const size_t input_count = (t->k - 1) * input_stride + t->m;
  struct guarded input_memory;
  float* input = guarded_alloc(&input_memory, input_count * sizeof(float));
  fill_random(&rng, input, input_count);
  const size_t output_count = t->n * output_stride;
  float* output = malloc(output_count * sizeof(float));
  float* expected = malloc(output_count * sizeof(float));
  fill_value(output, output_count, SENTINEL);
  fill_value(expected, output_count, SENTINEL);
  sprig_reference_f32_spmm(t->m, t->n, input, input_stride, a.row_ptr, a.col_idx, a.values, bias, expected,
                           output_stride, t->min, t->max);

  /* What the kernel reads: the input, or its rows copied far_stride bytes apart. */
  struct far_rows far;
  const float* kernel_input =
      far_rows_input(&far, input, t->k, t->m * sizeof(float), input_stride * sizeof(float), t->far_stride);
  const size_t kernel_stride = t->far_stride != 0 ? t->far_stride / sizeof(float) : input_stride;

  struct kernel_stream s = make_stream(&a, uk->nr);
  const struct sprig_f32_minmax_params params = {t->min, t->max};
  if (t->split) {
    const size_t pm = (t->m / 2) | 1; /* odd, so the second half starts unaligned */
    const size_t nm = t->n / 2 / uk->nr * uk->nr; /* block-aligned */
    call_kernel(uk, &s, bias, kernel_input, kernel_stride, output, output_stride, 0, nm, 0, pm, &params);
    call_kernel(uk, &s, bias, kernel_input, kernel_stride, output, output_stride, 0, nm, pm, t->m, &params);
    call_kernel(uk, &s, bias, kernel_input, kernel_stride, output, output_stride, nm, t->n, 0, pm, &params);
    call_kernel(uk, &s, bias, kernel_input, kernel_stride, output, output_stride, nm, t->n, pm, t->m, &params);
  } else {
    call_kernel(uk, &s, bias, kernel_input, kernel_stride, output, output_stride, 0, t->n, 0, t->m, &params);
  }
  far_rows_free(&far);

  char what[512];
  describe(t, what, sizeof(what));
  assert_kernel_output(what, &a, bias, input, input_stride, output, expected, t->n, t->m, output_stride,
                       0);
  free_stream(&s);
  csr_free(&a);
  free(dense);
  free(bias);
  guarded_free(&input_memory);
  free(output);
  free(expected);
}

/* ---- the cases (each runs on every listed kernel; the table below names them) ---- */

#define KERNEL(uk) const struct sprig_f32_spmm_ukernel* uk = (const struct sprig_f32_spmm_ukernel*) ukernel

static void k_eq_1(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.k = 1;
  t.sparsity = 0.0;
  spmm_tester_run(&t, uk);
}

static void m_eq_1(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = 1;
  spmm_tester_run(&t, uk);
}

static bool mr_above_1(const void* ukernel) {
  return ((const struct sprig_f32_spmm_ukernel*) ukernel)->mr > 1;
}

static bool nr_above_1(const void* ukernel) {
  return ((const struct sprig_f32_spmm_ukernel*) ukernel)->nr > 1;
}

static void m_lt_mr(const void* ukernel) {
  KERNEL(uk);
  /* Every remainder tile size below MR once (each halving, and the odd sizes between). */
  for (size_t m = 1; m < uk->mr; m += m < 8 ? 1 : SPRIG_TEST_MAX(uk->mr / 8, 1) + 1) {
    struct spmm_tester t = spmm_tester_for(uk);
    t.m = m;
    t.seed = m;
    spmm_tester_run(&t, uk);
  }
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = uk->mr - 1;
  spmm_tester_run(&t, uk);
}

static void m_eq_mr(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = uk->mr;
  spmm_tester_run(&t, uk);
}

static void m_eq_mr_plus_1(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = uk->mr + 1;
  spmm_tester_run(&t, uk);
}

static void m_eq_2mr_plus_3(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = 2 * uk->mr + 3;
  spmm_tester_run(&t, uk);
}

static void n_not_multiple_of_nr(const void* ukernel) {
  KERNEL(uk);
  for (size_t left = 1; left < uk->nr; left++) {
    struct spmm_tester t = spmm_tester_for(uk);
    t.n = 3 * uk->nr + left;
    t.seed = left;
    spmm_tester_run(&t, uk);
  }
}

static void zero_channels(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.n = 4 * uk->nr + 3;
  t.zero_channels = true;
  spmm_tester_run(&t, uk);
  t.split = true;
  spmm_tester_run(&t, uk);
}

static void sparsity_0(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.sparsity = 0.0;
  t.m = uk->mr + 3;
  spmm_tester_run(&t, uk);
}

static void sparsity_1(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.sparsity = 1.0;
  t.m = uk->mr + 3;
  spmm_tester_run(&t, uk);
}

static void long_row_steps(const void* ukernel) {
  KERNEL(uk);
  /* Rows hundreds apart within and between channels: steps through bridges both ways. */
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = uk->mr + 1;
  t.n = 4 * uk->nr + 1;
  t.k = 1000;
  t.sparsity = 0.99;
  t.ends = true;
  t.input_padding = 1;
  spmm_tester_run(&t, uk);
  t.split = true;
  spmm_tester_run(&t, uk);
}

static void far_rows(const void* ukernel) {
  KERNEL(uk);
  /* Input rows 4 GiB + 4 KiB apart (address space only): strides past 32 bits, which the
   * kernels that keep 32-bit row offsets hand to a 64-bit path. Steps both ways (ends). */
  struct spmm_tester t = spmm_tester_for(uk);
  t.k = 6;
  t.sparsity = 0.4;
  t.ends = true;
  t.far_stride = FAR_ROW_STRIDE;
  require_far_rows(t.k, t.far_stride);
  const size_t ms[] = {1, uk->mr, 2 * uk->mr + 3};
  for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
    t.m = ms[i];
    spmm_tester_run(&t, uk);
  }
  t.split = true;
  spmm_tester_run(&t, uk);
}

static void input_stride_gt_m(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = uk->mr + 1;
  t.input_padding = 5;
  spmm_tester_run(&t, uk);
}

static void output_stride_gt_m(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = uk->mr + 1;
  t.output_padding = 3;
  spmm_tester_run(&t, uk);
}

static void clamp_min(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.min = -0.25f;
  spmm_tester_run(&t, uk);
}

static void clamp_max(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.max = 0.25f;
  spmm_tester_run(&t, uk);
}

static void clamp_min_max(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = 2 * uk->mr + 3;
  t.min = -0.25f;
  t.max = 0.5f;
  spmm_tester_run(&t, uk);
}

static void non_contiguous_strides(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = 2 * uk->mr + 3;
  t.input_padding = 7;
  t.output_padding = 9;
  t.split = true;
  spmm_tester_run(&t, uk);
}

static void split_calls(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = 2 * uk->mr + 3;
  t.n = 4 * uk->nr + 1;
  t.split = true;
  spmm_tester_run(&t, uk);
}

static void zero_bias(const void* ukernel) {
  KERNEL(uk);
  struct spmm_tester t = spmm_tester_for(uk);
  t.zero_bias = true;
  t.m = uk->mr + 1;
  spmm_tester_run(&t, uk);
}

static void large(const void* ukernel) {
  KERNEL(uk);
  /* Many nonzeros per row, long pixel rows. */
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = 8 * uk->mr + 3;
  t.n = 17;
  t.k = 300;
  t.split = true;
  spmm_tester_run(&t, uk);
}

static void many_tiles(const void* ukernel) {
  KERNEL(uk);
  /* Calls of 6 tiles and more: many channels with long row steps back (rows 0 and k - 1 in every
   * other channel), then dense channels of 4200 rows. */
  struct spmm_tester t = spmm_tester_for(uk);
  t.m = 6 * uk->mr + 5;
  t.n = 9;
  t.k = 1500;
  t.sparsity = 0.5;
  t.ends = true;
  spmm_tester_run(&t, uk);
  t.n = 3;
  t.k = 4200;
  t.sparsity = 0.0;
  t.ends = false;
  t.input_padding = 3;
  spmm_tester_run(&t, uk);
}

static void sweep(const void* ukernel) {
  KERNEL(uk);
  /* m = 1 .. 3 MR + 1 against sparsities, channel counts, row counts, strides, clamps, bias and
   * split calls, mixed so that every pixel remainder meets each of them. */
  static const double sparsities[] = {0.0, 0.5, 0.9, 1.0};
  static const size_t ns[] = {1, 3, 11};
  static const size_t ks[] = {1, 7, 33};
  uint64_t seed = 1;
  for (size_t m = 1; m <= 3 * uk->mr + 1; m++) {
    for (size_t si = 0; si < 4; si++) {
      for (size_t ni = 0; ni < 3; ni++) {
        const int variant = (int) ((m + si * 3 + ni) % 4);
        const struct spmm_tester t = {
            .m = m, .n = ns[ni], .k = ks[(m + si + ni) % 3], .sparsity = sparsities[si],
            .input_padding = variant & 1 ? 5 : 0, .output_padding = variant & 2 ? 3 : 0,
            .min = variant == 3 ? -0.25f : -INFINITY, .max = variant == 3 ? 0.5f : INFINITY,
            .zero_bias = variant == 2, .split = m % 2 == 1, .seed = seed++};
        spmm_tester_run(&t, uk);
      }
    }
  }
}

static bool is_inorder(const void* ukernel) {
  return ((const struct sprig_f32_spmm_ukernel*) ukernel)->inorder;
}

/* A CPU with only this kernel's ISA (and scalar): mostly in-order cores get the in-order variant,
 * others the ISA's default, which it replaces. */
static void chosen_on_inorder_cores(const void* ukernel) {
  KERNEL(uk);
  const struct sprig_hardware inorder = hardware_with_only(uk->isa, true);
  assert_ptr_equal(sprig_choose_f32_spmm_ukernel_nr(&inorder, uk->nr), uk);
  const struct sprig_hardware outoforder = hardware_with_only(uk->isa, false);
  const struct sprig_f32_spmm_ukernel* other = sprig_choose_f32_spmm_ukernel_nr(&outoforder, uk->nr);
  assert_non_null(other);
  assert_true(other->is_default && !other->inorder && other->isa == uk->isa && other->mr == uk->mr);
}

/* ---- relaxed-SIMD kernels: f32x4.relaxed_madd may or may not fuse ---- */

/* The SIMD128 kernel a relaxed one rewrites (same tile and flavour, "__wasmsimd_" for
 * "__wasmrelaxedsimd_" in the name), or NULL. */
static const struct sprig_f32_spmm_ukernel* simd128_twin(const struct sprig_f32_spmm_ukernel* uk) {
  const char* tag = "__wasmrelaxedsimd_";
  const char* at = strstr(uk->name, tag);
  if (at == NULL) {
    return NULL;
  }
  char name[128];
  snprintf(name, sizeof(name), "%.*s__wasmsimd_%s", (int) (at - uk->name), uk->name, at + strlen(tag));
  for (size_t i = 0; i < sprig_f32_spmm_ukernel_count; i++) {
    if (strcmp(sprig_f32_spmm_ukernels[i].name, name) == 0) {
      return &sprig_f32_spmm_ukernels[i];
    }
  }
  return NULL;
}

static bool has_simd128_twin(const void* ukernel) {
  return simd128_twin(ukernel) != NULL;
}

static bool is_relaxed(const void* ukernel) {
  return strstr(((const struct sprig_f32_spmm_ukernel*) ukernel)->name, "__wasmrelaxedsimd_") != NULL;
}

/* One nonzero w = 1 + 2^-12 on inputs x = 1 + 2^-12 with bias -1: w * x = 1 + 2^-11 + 2^-24 is
 * not a float (it rounds to 1 + 2^-11), so a fused madd gives exactly 2^-11 + 2^-24 and an
 * unfused one exactly 2^-11; anything else is wrong. Every pixel of a tile and of the remainder
 * tiles must agree (one engine, one choice). */
static void madd_fused_or_unfused(const void* ukernel) {
  KERNEL(uk);
  const float w = 1.0f + 0x1.0p-12f;
  const size_t m = 2 * uk->mr + 3;
  float* input = malloc(m * sizeof(float));
  float* output = malloc(m * sizeof(float));
  fill_value(input, m, w);
  fill_value(output, m, SENTINEL);
  struct csr a = csr_from_dense(&w, 1, 1);
  struct kernel_stream s = make_stream(&a, 1);
  const float bias = -1.0f;
  const struct sprig_f32_minmax_params params = {-INFINITY, INFINITY};
  uk->fn(m, 1, input, m * sizeof(float), &bias, s.weights, s.deltas, s.nnz, output, m * sizeof(float), &params);
  const float fused = 0x1.0p-11f + 0x1.0p-24f;
  const float unfused = 0x1.0p-11f;
  if (output[0] != fused && output[0] != unfused) {
    fail_msg("%s: pixel 0 is %a, neither fused (%a) nor unfused (%a)", *kernel_test_name(), (double) output[0],
             (double) fused, (double) unfused);
  }
  for (size_t p = 1; p < m; p++) {
    if (output[p] != output[0]) {
      fail_msg("%s: pixel %zu is %a, pixel 0 %a", *kernel_test_name(), p, (double) output[p], (double) output[0]);
    }
  }
  print_message("%s: relaxed_madd is %s on this engine\n", uk->name, output[0] == fused ? "fused" : "unfused");
  free_stream(&s);
  csr_free(&a);
  free(input);
  free(output);
}

/* The relaxed kernel against its SIMD128 twin on one problem: both sum the same terms in the
 * same order, one with fused or unfused madds, the other with f32x4.mul + f32x4.add. Each is
 * within terms * u (fused) or (terms + 1) * u (unfused) of the exact value, relative to the sum
 * of magnitudes M, so they differ by at most (2 terms + 2) u M (u = 2^-24). */
static void matches_simd128_twin(const void* ukernel) {
  KERNEL(uk);
  const struct sprig_f32_spmm_ukernel* twin = simd128_twin(uk);
  const size_t m = 3 * uk->mr + 5, n = 2 * uk->nr + 3, k = 300;
  struct rng rng = {7};
  float* dense = malloc(n * k * sizeof(float));
  fill_sparse(&rng, dense, n, k, 0.5);
  struct csr a = csr_from_dense(dense, n, k);
  float* bias = malloc(n * sizeof(float));
  fill_random(&rng, bias, n);
  float* input = malloc(k * m * sizeof(float));
  fill_random(&rng, input, k * m);
  float* relaxed = malloc(n * m * sizeof(float));
  float* simd128 = malloc(n * m * sizeof(float));
  struct kernel_stream s = make_stream(&a, uk->nr);
  const struct sprig_f32_minmax_params params = {-INFINITY, INFINITY};
  call_kernel(uk, &s, bias, input, m, relaxed, m, 0, n, 0, m, &params);
  call_kernel(twin, &s, bias, input, m, simd128, m, 0, n, 0, m, &params);
  for (size_t r = 0; r < n; r++) {
    const size_t terms = s.nnz[r < s.blocks * uk->nr ? r / uk->nr : s.blocks + (r - s.blocks * uk->nr)];
    for (size_t p = 0; p < m; p++) {
      double magnitude = fabs(bias[r]);
      for (uint32_t j = a.row_ptr[r]; j < a.row_ptr[r + 1]; j++) {
        magnitude += fabs(a.values[j] * input[a.col_idx[j] * m + p]);
      }
      const double bound = (double) (2 * terms + 2) * 0x1.0p-24 * magnitude;
      const double diff = fabs((double) relaxed[r * m + p] - (double) simd128[r * m + p]);
      if (!(diff <= bound)) {
        fail_msg("%s: channel %zu pixel %zu: %.9g vs %s %.9g (bound %.3g)", *kernel_test_name(), r, p,
                 (double) relaxed[r * m + p], twin->name, (double) simd128[r * m + p], bound);
      }
    }
  }
  free_stream(&s);
  csr_free(&a);
  free(dense);
  free(bias);
  free(input);
  free(relaxed);
  free(simd128);
}

static bool has_clamp_flavour(const void* ukernel) {
  return wasm_clamp_flavour(((const struct sprig_f32_spmm_ukernel*) ukernel)->name) != NULL;
}

/* A CPU with only this kernel's ISA: the default of this kernel's NR and its narrowing to every
 * pixel count keep the clamp flavour of the ISA's NR = 1 default. */
static void choices_keep_default_flavour(const void* ukernel) {
  KERNEL(uk);
  const struct sprig_hardware hardware = hardware_with_only(uk->isa, false);
  const char* want = wasm_clamp_flavour(sprig_choose_f32_spmm_ukernel_nr(&hardware, 1)->name);
  const struct sprig_f32_spmm_ukernel* chosen = sprig_choose_f32_spmm_ukernel_nr(&hardware, uk->nr);
  assert_non_null(chosen);
  for (size_t pixels = 1; pixels <= FLAVOUR_CHECK_PIXELS; pixels++) {
    assert_default_flavour(sprig_fit_f32_spmm_ukernel(&hardware, chosen, pixels, 1)->name, want, pixels);
  }
}

static const struct kernel_test_case cases[] = {
    {"k = 1", k_eq_1, NULL},
    {"m = 1", m_eq_1, NULL},
    {"m < MR", m_lt_mr, mr_above_1},
    {"m = MR", m_eq_mr, NULL},
    {"m = MR + 1", m_eq_mr_plus_1, NULL},
    {"m = 2 MR + 3", m_eq_2mr_plus_3, NULL},
    {"n not a multiple of NR", n_not_multiple_of_nr, nr_above_1},
    {"all-zero channels", zero_channels, NULL},
    {"sparsity 0 (dense)", sparsity_0, NULL},
    {"sparsity 1 (no nonzeros)", sparsity_1, NULL},
    {"long row steps (bridges)", long_row_steps, NULL},
    {"input stride > m", input_stride_gt_m, NULL},
    {"input rows 4 GiB apart", far_rows, NULL},
    {"output stride > m", output_stride_gt_m, NULL},
    {"clamp min", clamp_min, NULL},
    {"clamp max", clamp_max, NULL},
    {"clamp min and max", clamp_min_max, NULL},
    {"non-contiguous strides", non_contiguous_strides, NULL},
    {"split calls (operator tiles)", split_calls, NULL},
    {"zero bias", zero_bias, NULL},
    {"large: m = 8 MR + 3, k = 300", large, NULL},
    {"sweep: m = 1 .. 3 MR + 1", sweep, NULL},
    {"many tiles: m = 6 MR + 5, long channels", many_tiles, NULL},
    {"chosen on in-order cores", chosen_on_inorder_cores, is_inorder},
    {"choices keep the default's clamp flavour", choices_keep_default_flavour, has_clamp_flavour},
    {"relaxed madd: fused or unfused, exactly", madd_fused_or_unfused, is_relaxed},
    {"relaxed madd: within the fused-vs-unfused bound of the SIMD128 twin", matches_simd128_twin, has_simd128_twin},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_f32_spmm_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  /* A forced ISA the CPU lacks is reported by the test that needs it, not here. */
  (void) sprig_initialize();
  return 0;
}

int main(void) {
  return run_kernel_cases("f32-spmm", sprig_f32_spmm_ukernels, sprig_f32_spmm_ukernel_count,
                          sizeof(sprig_f32_spmm_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
