/* Every f32 N:M SpMM kernel in kernels/f32-nmspmm/list.inc against the reference. */
#include "test-util.h"

#include <sprig.h>
#include <sprig/hardware.h>
#include <sprig/nmspmm.h>
#include <reference/reference.h>

struct nm_case {
  size_t m_pixels, channels, rows; /* rows: input rows (K), any value >= 1 */
  size_t n, m;
  double fill;                     /* chance a slot of a run holds a nonzero */
  size_t input_stride, output_stride;
  float lo, hi;
  int split;
};

/* Random weights with at most n nonzeros per run of m rows; runs padded with (0, index 0). */
struct nm_weights {
  size_t groups;
  float* dense;      /* [channels][rows], for the reference */
  float* stream;     /* per channel: bias, groups * n values */
  uint8_t* indices;  /* per channel: groups * n */
};

static struct nm_weights make_nm(struct rng* rng, const struct nm_case* c, const float* bias) {
  struct nm_weights w;
  w.groups = sprig_divide_round_up_test(c->rows, c->m);
  const size_t slots = w.groups * c->n;
  w.dense = calloc(c->channels * c->rows, sizeof(float));
  w.stream = malloc(c->channels * (1 + slots) * sizeof(float));
  w.indices = malloc(SPRIG_TEST_MAX(c->channels * slots, 1));
  for (size_t ch = 0; ch < c->channels; ch++) {
    float* values = w.stream + ch * (1 + slots);
    uint8_t* idx = w.indices + ch * slots;
    values[0] = bias[ch];
    for (size_t g = 0; g < w.groups; g++) {
      const size_t run = SPRIG_TEST_MIN(c->m, c->rows - g * c->m);
      /* Choose up to n distinct positions of the run, in increasing order. */
      size_t used = 0;
      for (size_t r = 0; r < run && used < c->n; r++) {
        /* Always fill when fill is 1; otherwise each position is taken with chance `fill`. */
        const int take = (double) rng_next(rng) / 2147483648.0 < c->fill;
        if (take) {
          const float v = rng_float(rng) + 1.5f;
          w.dense[ch * c->rows + g * c->m + r] = v;
          values[1 + g * c->n + used] = v;
          idx[g * c->n + used] = (uint8_t) r;
          used++;
        }
      }
      for (; used < c->n; used++) {
        values[1 + g * c->n + used] = 0.0f;
        idx[g * c->n + used] = 0;
      }
    }
  }
  return w;
}

static void free_nm(struct nm_weights* w) {
  free(w->dense);
  free(w->stream);
  free(w->indices);
}

static void call_nm(const struct sprig_f32_nmspmm_ukernel* uk, const struct nm_case* c, const struct nm_weights* w,
                    const float* input, float* output, size_t c0, size_t c1, size_t p0, size_t p1,
                    const struct sprig_f32_minmax_params* params) {
  if (c0 == c1 || p0 == p1) {
    return;
  }
  const size_t slots = w->groups * c->n;
  uk->fn(p1 - p0, c1 - c0, w->groups, c->n, c->m, input + p0, c->input_stride * sizeof(float),
         w->stream + c0 * (1 + slots), w->indices + c0 * slots, output + c0 * c->output_stride + p0,
         c->output_stride * sizeof(float), params);
}

static void run_nm_case(const struct sprig_f32_nmspmm_ukernel* uk, const struct nm_case* c, uint64_t seed) {
  struct rng rng = {seed};
  float* bias = malloc(c->channels * sizeof(float));
  fill_random(&rng, bias, c->channels);
  struct nm_weights w = make_nm(&rng, c, bias);
  struct csr a = csr_from_dense(w.dense, c->channels, c->rows);
  const size_t input_count = (c->rows - 1) * c->input_stride + c->m_pixels;
  float* input = malloc(input_count * sizeof(float));
  fill_random(&rng, input, input_count);
  const size_t output_count = c->channels * c->output_stride;
  float* output = malloc(output_count * sizeof(float));
  float* expected = malloc(output_count * sizeof(float));
  float* bounds = malloc(output_count * sizeof(float));
  fill_value(output, output_count, SENTINEL);
  fill_value(expected, output_count, SENTINEL);
  fill_value(bounds, output_count, 0.0f);
  sprig_reference_f32_spmm(c->m_pixels, c->channels, input, c->input_stride, a.row_ptr, a.col_idx, a.values, bias,
                           expected, c->output_stride, c->lo, c->hi);
  for (size_t r = 0; r < c->channels; r++) {
    for (size_t p = 0; p < c->m_pixels; p++) {
      double magnitude = fabs(bias[r]);
      for (uint32_t j = a.row_ptr[r]; j < a.row_ptr[r + 1]; j++) {
        magnitude += fabs(a.values[j] * input[a.col_idx[j] * c->input_stride + p]);
      }
      bounds[r * c->output_stride + p] = error_bound(w.groups * c->n, magnitude);
    }
  }
  const struct sprig_f32_minmax_params params = {c->lo, c->hi, 0};
  if (c->split) {
    const size_t pm = (c->m_pixels / 2) | 1;
    const size_t cm = c->channels / 2;
    call_nm(uk, c, &w, input, output, 0, cm, 0, pm, &params);
    call_nm(uk, c, &w, input, output, 0, cm, pm, c->m_pixels, &params);
    call_nm(uk, c, &w, input, output, cm, c->channels, 0, pm, &params);
    call_nm(uk, c, &w, input, output, cm, c->channels, pm, c->m_pixels, &params);
  } else {
    call_nm(uk, c, &w, input, output, 0, c->channels, 0, c->m_pixels, &params);
  }
  char what[256];
  snprintf(what, sizeof(what), "%s %zu:%zu pixels=%zu channels=%zu rows=%zu fill=%.2f strides=%zu/%zu split=%d",
           uk->name, c->n, c->m, c->m_pixels, c->channels, c->rows, c->fill, c->input_stride, c->output_stride,
           c->split);
  assert_close(output, expected, bounds, output_count, what);
  free_nm(&w);
  csr_free(&a);
  free(bias);
  free(input);
  free(output);
  free(expected);
  free(bounds);
}

static void test_nm_kernel(void** state) {
  const struct sprig_f32_nmspmm_ukernel* uk = *state;
  SKIP_UNLESS_ISA(uk->name, uk->isa);
  static const size_t patterns[][2] = {{2, 4}, {1, 4}, {2, 8}, {4, 8}, {3, 4}, {1, 2}, {4, 16}, {5, 8}, {8, 16}, {15, 16}};
  static const double fills[] = {1.0, 0.6, 0.0, 0.3};
  static const size_t rows[] = {1, 5, 8, 37, 64};
  static const size_t channels[] = {1, 3, 10};
  uint64_t seed = 7;
  for (size_t pixels = 1; pixels <= 3 * uk->mr + 1; pixels++) {
    for (size_t pi = 0; pi < sizeof(patterns) / sizeof(patterns[0]); pi++) {
      const int variant = (int) ((pixels + pi) % 4);
      const struct nm_case c = {
          .m_pixels = pixels, .channels = channels[(pixels + pi) % 3], .rows = rows[(pixels * 3 + pi) % 5],
          .n = patterns[pi][0], .m = patterns[pi][1], .fill = fills[(pixels + 2 * pi) % 4],
          .input_stride = pixels + (variant & 1 ? 3 : 0), .output_stride = pixels + (variant & 2 ? 5 : 0),
          .lo = variant == 3 ? -0.5f : -INFINITY, .hi = variant == 3 ? 1.0f : INFINITY,
          .split = (int) (pixels % 2)};
      run_nm_case(uk, &c, seed++);
    }
  }
  const struct nm_case big = {.m_pixels = 8 * uk->mr + 5, .channels = 19, .rows = 301, .n = 2, .m = 4,
                              .fill = 1.0, .input_stride = 8 * uk->mr + 5, .output_stride = 8 * uk->mr + 5,
                              .lo = -INFINITY, .hi = INFINITY, .split = 1};
  run_nm_case(uk, &big, seed++);
  /* Many K-blocks (kernels that cut the runs to keep a tile's rows in L1), clamped only after
   * the last one: a full tile plus a remainder, and a narrow row with the any-n loop. */
  const struct nm_case tall = {.m_pixels = uk->mr + 3, .channels = 7, .rows = 1030, .n = 1, .m = 4,
                               .fill = 0.6, .input_stride = uk->mr + 6, .output_stride = uk->mr + 8,
                               .lo = -2.0f, .hi = 2.5f, .split = 1};
  run_nm_case(uk, &tall, seed++);
  const struct nm_case narrow = {.m_pixels = 5, .channels = 5, .rows = 2050, .n = 3, .m = 8, .fill = 1.0,
                                 .input_stride = 5, .output_stride = 5, .lo = -1.0f, .hi = 0.5f, .split = 0};
  run_nm_case(uk, &narrow, seed++);
  /* One pixel on contiguous rows (matrix-vector kernels vectorize over the weights there):
   * patterns whose 16 slots span at most 32 rows, and others; row counts around the runs. */
  static const size_t mv_patterns[][2] = {{2, 4}, {4, 8}, {8, 16}, {1, 2}, {2, 3}, {1, 4}, {3, 8}, {3, 4}, {12, 16}};
  static const size_t mv_rows[] = {1000, 33, 70, 1001};
  for (size_t pi = 0; pi < sizeof(mv_patterns) / sizeof(mv_patterns[0]); pi++) {
    for (size_t ri = 0; ri < sizeof(mv_rows) / sizeof(mv_rows[0]); ri++) {
      const struct nm_case mv = {.m_pixels = 1, .channels = 9, .rows = mv_rows[ri], .n = mv_patterns[pi][0],
                                 .m = mv_patterns[pi][1], .fill = ri % 2 == 0 ? 1.0 : 0.6, .input_stride = 1,
                                 .output_stride = 1 + ri % 2, .lo = ri == 1 ? -1.0f : -INFINITY,
                                 .hi = ri == 1 ? 1.0f : INFINITY, .split = (int) (pi % 2)};
      run_nm_case(uk, &mv, seed++);
    }
  }
}

static int initialize(void** state) {
  (void) state;
  (void) sprig_initialize();
  return 0;
}

int main(void) {
  return run_per_kernel("f32-nmspmm", sprig_f32_nmspmm_ukernels, sprig_f32_nmspmm_ukernel_count, sizeof(sprig_f32_nmspmm_ukernels[0]), test_nm_kernel, initialize);
}
