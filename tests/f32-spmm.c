/* Every f32 SpMM kernel in kernels/f32-spmm/list.inc against the reference, on awkward shapes. */
#include "test-util.h"

#include <sprig.h>
#include <sprig/hardware.h>
#include <sprig/spmm.h>
#include <reference/reference.h>

struct spmm_case {
  size_t m, n, k;
  double sparsity;
  size_t input_stride, output_stride; /* in floats, >= m */
  float lo, hi;
  int with_bias;
  int split; /* run as 2 x 2 calls at an odd pixel offset and a channel offset, as operators do */
  int input_cached; /* sprig_f32_minmax_params.input_cached: AVX-512 kernels then skip prefetch */
};

/* The kernel's view of CSR weights (see src/sprig/spmm.h): units are blocks of NR channels
 * (one entry per column of the block's column union, NR values per entry), then single
 * leftover channels. Built here independently of src/pack: columns in increasing order in
 * every unit, so the step back to the next unit's first column is long and goes through
 * zero-valued bridge entries. */
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
static void append_unit(struct kernel_stream* s, const struct csr* a, const float* bias, size_t r0, size_t rows,
                        size_t unit, size_t* w, size_t* d) {
  s->unit_weight[unit] = *w;
  s->unit_delta[unit] = *d;
  for (size_t i = 0; i < rows; i++) {
    s->weights[(*w)++] = bias != NULL ? bias[r0 + i] : 0.0f;
  }
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

static struct kernel_stream make_stream(const struct csr* a, const float* bias, size_t nr) {
  struct kernel_stream s;
  s.nr = nr;
  s.blocks = a->rows / nr;
  s.units = s.blocks + a->rows % nr;
  /* Worst case: every unit stores all of its rows for every column, plus bridges. */
  const size_t max_entries = a->rows * a->cols + s.units * (a->cols / SPRIG_SPMM_MAX_STEP + 2);
  s.weights = malloc((a->rows + max_entries * nr) * sizeof(float));
  s.delta_row = malloc(max_entries * sizeof(uint32_t));
  s.nnz = malloc(s.units * sizeof(uint32_t));
  s.unit_weight = malloc((s.units + 1) * sizeof(size_t));
  s.unit_delta = malloc((s.units + 1) * sizeof(size_t));
  size_t w = 0, d = 0;
  for (size_t b = 0; b < s.blocks; b++) {
    append_unit(&s, a, bias, b * nr, nr, b, &w, &d);
  }
  for (size_t r = s.blocks * nr; r < a->rows; r++) {
    append_unit(&s, a, bias, r, 1, s.blocks + (r - s.blocks * nr), &w, &d);
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

/* Calls the kernel on channels [n0, n1) and pixels [p0, p1); n0 is a multiple of NR. */
static void call_kernel(const struct sprig_f32_spmm_ukernel* uk, const struct kernel_stream* s,
                        const float* input, size_t input_stride, float* output, size_t output_stride,
                        size_t n0, size_t n1, size_t p0, size_t p1, const struct sprig_f32_minmax_params* params) {
  if (n0 == n1 || p0 == p1) {
    return;
  }
  const size_t unit = n0 < s->blocks * s->nr ? n0 / s->nr : s->blocks + (n0 - s->blocks * s->nr);
  const size_t first_delta = s->unit_delta[unit];
  const size_t first_row = first_delta < s->unit_delta[s->units] ? s->delta_row[first_delta] : 0;
  uk->fn(p1 - p0, n1 - n0, input + first_row * input_stride + p0, input_stride * sizeof(float),
         s->weights + s->unit_weight[unit], s->deltas + first_delta, s->nnz + unit,
         output + n0 * output_stride + p0, output_stride * sizeof(float), params);
}

static void run_case(const struct sprig_f32_spmm_ukernel* uk, const struct spmm_case* c, uint64_t seed) {
  struct rng rng = {seed};
  float* dense = malloc(c->n * c->k * sizeof(float));
  fill_sparse(&rng, dense, c->n, c->k, c->sparsity);
  struct csr a = csr_from_dense(dense, c->n, c->k);
  float* bias = malloc(c->n * sizeof(float));
  fill_random(&rng, bias, c->n);
  /* Exactly sized so ASan sees any read past the last row. */
  const size_t input_count = (c->k - 1) * c->input_stride + c->m;
  float* input = malloc(input_count * sizeof(float));
  fill_random(&rng, input, input_count);
  const size_t output_count = c->n * c->output_stride;
  float* output = malloc(output_count * sizeof(float));
  float* expected = malloc(output_count * sizeof(float));
  float* bounds = malloc(output_count * sizeof(float));
  fill_value(output, output_count, SENTINEL);
  fill_value(expected, output_count, SENTINEL);
  fill_value(bounds, output_count, 0.0f);
  const float* b = c->with_bias ? bias : NULL;
  sprig_reference_f32_spmm(c->m, c->n, input, c->input_stride, a.row_ptr, a.col_idx, a.values, b, expected,
                           c->output_stride, c->lo, c->hi);
  for (size_t r = 0; r < c->n; r++) {
    for (size_t p = 0; p < c->m; p++) {
      double magnitude = b != NULL ? fabs(b[r]) : 0.0;
      for (uint32_t j = a.row_ptr[r]; j < a.row_ptr[r + 1]; j++) {
        magnitude += fabs(a.values[j] * input[a.col_idx[j] * c->input_stride + p]);
      }
      bounds[r * c->output_stride + p] = error_bound(a.row_ptr[r + 1] - a.row_ptr[r], magnitude);
    }
  }

  struct kernel_stream s = make_stream(&a, b, uk->nr);
  const struct sprig_f32_minmax_params params = {c->lo, c->hi, (uint32_t) c->input_cached};
  if (c->split) {
    const size_t pm = (c->m / 2) | 1; /* odd, so the second half starts unaligned */
    const size_t nm = c->n / 2 / uk->nr * uk->nr; /* block-aligned */
    call_kernel(uk, &s, input, c->input_stride, output, c->output_stride, 0, nm, 0, pm, &params);
    call_kernel(uk, &s, input, c->input_stride, output, c->output_stride, 0, nm, pm, c->m, &params);
    call_kernel(uk, &s, input, c->input_stride, output, c->output_stride, nm, c->n, 0, pm, &params);
    call_kernel(uk, &s, input, c->input_stride, output, c->output_stride, nm, c->n, pm, c->m, &params);
  } else {
    call_kernel(uk, &s, input, c->input_stride, output, c->output_stride, 0, c->n, 0, c->m, &params);
  }
  char what[256];
  snprintf(what, sizeof(what), "%s m=%zu n=%zu k=%zu sparsity=%.2f strides=%zu/%zu clamp=[%g,%g] bias=%d split=%d",
           uk->name, c->m, c->n, c->k, c->sparsity, c->input_stride, c->output_stride, (double) c->lo,
           (double) c->hi, c->with_bias, c->split);
  /* Bounds are 0 on padding, so padding must equal the sentinel in both. */
  assert_close(output, expected, bounds, output_count, what);
  free_stream(&s);
  csr_free(&a);
  free(dense);
  free(bias);
  free(input);
  free(output);
  free(expected);
  free(bounds);
}

static void test_kernel(void** state) {
  const struct sprig_f32_spmm_ukernel* uk = *state;
  SKIP_UNLESS_ISA(uk->name, uk->isa);
  static const double sparsities[] = {0.0, 0.5, 0.9, 1.0};
  static const size_t ns[] = {1, 3, 11};
  static const size_t ks[] = {1, 7, 33};
  uint64_t seed = 1;
  const size_t max_m = 3 * uk->mr + 1;
  for (size_t m = 1; m <= max_m; m++) {
    for (size_t si = 0; si < 4; si++) {
      for (size_t ni = 0; ni < 3; ni++) {
        const size_t ki = (m + si + ni) % 3;
        const int variant = (int) ((m + si * 3 + ni) % 4);
        const struct spmm_case c = {
            .m = m, .n = ns[ni], .k = ks[ki], .sparsity = sparsities[si],
            .input_stride = m + (variant & 1 ? 5 : 0),
            .output_stride = m + (variant & 2 ? 3 : 0),
            .lo = variant == 3 ? -0.25f : -INFINITY,
            .hi = variant == 3 ? 0.5f : INFINITY,
            .with_bias = variant != 2,
            .split = (int) (m % 2),
            .input_cached = (int) ((m / 2 + si) % 2),
        };
        run_case(uk, &c, seed++);
      }
    }
  }
  /* A larger problem: many nonzeros per row, long pixel rows. */
  const struct spmm_case big = {.m = 8 * uk->mr + 3, .n = 17, .k = 300, .sparsity = 0.7,
                                .input_stride = 8 * uk->mr + 3, .output_stride = 8 * uk->mr + 3,
                                .lo = -INFINITY, .hi = INFINITY, .with_bias = 1, .split = 1, .input_cached = 1};
  run_case(uk, &big, seed++);
  /* Rows hundreds of columns apart within and between channels: steps through bridges. */
  const struct spmm_case sparse_wide = {.m = uk->mr + 1, .n = 9, .k = 1000, .sparsity = 0.99,
                                        .input_stride = uk->mr + 2, .output_stride = uk->mr + 1,
                                        .lo = -INFINITY, .hi = INFINITY, .with_bias = 1, .split = 1};
  run_case(uk, &sparse_wide, seed++);
}

static int initialize(void** state) {
  (void) state;
  /* A forced ISA the CPU lacks is reported by the test that needs it, not here. */
  (void) sprig_initialize();
  return 0;
}

int main(void) {
  return run_per_kernel("f32-spmm", sprig_f32_spmm_ukernels, sprig_f32_spmm_ukernel_count, sizeof(sprig_f32_spmm_ukernels[0]), test_kernel, initialize);
}
