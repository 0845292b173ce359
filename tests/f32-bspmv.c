/* Every f32 block-sparse matrix-vector kernel in kernels/f32-bspmv/list.inc against the reference. */
#include "test-util.h"

#include <sprig.h>
#include <sprig/bspmv.h>
#include <sprig/hardware.h>
#include <reference/reference.h>

struct bspmv_case {
  size_t k, n;
  double fill;  /* chance that a block is stored */
  float lo, hi;
  int split;    /* run as two calls, the second starting at an odd row, as operators do */
};

/* Random 1 x c blocks in the kernel's layout, and the same weights dense ([n][kp]) for the
 * reference. Blocks past k keep their in-range values and zeros beyond k, as the packer does. */
struct bspmv_weights {
  size_t c, kp, blocks;
  float* dense;
  float* values;
  uint16_t* cols;
  uint32_t* nblocks;
  size_t* first_block; /* per row + 1 */
};

static struct bspmv_weights make_weights(struct rng* rng, const struct bspmv_case* t, size_t c) {
  struct bspmv_weights w = {.c = c, .kp = sprig_divide_round_up_test(t->k, c) * c};
  const size_t block_cols = w.kp / c;
  w.dense = calloc(t->n * w.kp, sizeof(float));
  w.values = malloc(SPRIG_TEST_MAX(t->n * w.kp, 1) * sizeof(float));
  w.cols = malloc(SPRIG_TEST_MAX(t->n * block_cols, 1) * sizeof(uint16_t));
  w.nblocks = malloc(t->n * sizeof(uint32_t));
  w.first_block = malloc((t->n + 1) * sizeof(size_t));
  for (size_t r = 0; r < t->n; r++) {
    w.first_block[r] = w.blocks;
    uint32_t count = 0;
    for (size_t b = 0; b < block_cols; b++) {
      if ((double) rng_next(rng) / 2147483648.0 >= t->fill) {
        continue;
      }
      for (size_t j = 0; j < c; j++) {
        const size_t col = b * c + j;
        const float v = col < t->k ? rng_float(rng) : 0.0f;
        w.values[w.blocks * c + j] = v;
        w.dense[r * w.kp + col] = v;
      }
      w.cols[w.blocks++] = (uint16_t) b;
      count++;
    }
    w.nblocks[r] = count;
  }
  w.first_block[t->n] = w.blocks;
  return w;
}

static void free_weights(struct bspmv_weights* w) {
  free(w->dense);
  free(w->values);
  free(w->cols);
  free(w->nblocks);
  free(w->first_block);
}

static void call_rows(const struct sprig_f32_bspmv_ukernel* uk, const struct bspmv_weights* w, const float* x,
                      const float* bias, float* y, size_t r0, size_t r1, const struct sprig_f32_minmax_params* p) {
  if (r0 == r1) {
    return;
  }
  const size_t b0 = w->first_block[r0];
  uk->fn(r1 - r0, x, bias + r0, w->values + b0 * w->c, w->cols + b0, w->nblocks + r0, y + r0, p);
}

static void run_case(const struct sprig_f32_bspmv_ukernel* uk, const struct bspmv_case* t, uint64_t seed) {
  struct rng rng = {seed};
  struct bspmv_weights w = make_weights(&rng, t, uk->block_width);
  float* bias = malloc(t->n * sizeof(float));
  fill_random(&rng, bias, t->n);
  /* Exactly the readable floats the contract promises (round_up(k, c)): ASan sees over-reads. */
  float* x = malloc(w.kp * sizeof(float));
  fill_random(&rng, x, w.kp);
  float* y = malloc((t->n + 4) * sizeof(float));
  float* expected = malloc(t->n * sizeof(float));
  float* bounds = malloc(t->n * sizeof(float));
  fill_value(y, t->n + 4, SENTINEL);
  sprig_reference_f32_linear(1, w.kp, t->n, x, w.dense, bias, expected, t->lo, t->hi);
  for (size_t r = 0; r < t->n; r++) {
    double magnitude = fabs(bias[r]);
    for (size_t i = 0; i < w.kp; i++) {
      magnitude += fabs(w.dense[r * w.kp + i] * x[i]);
    }
    bounds[r] = error_bound(w.kp, magnitude);
  }
  const struct sprig_f32_minmax_params params = {t->lo, t->hi, 0};
  if (t->split) {
    const size_t mid = (t->n / 2) | 1;
    call_rows(uk, &w, x, bias, y, 0, SPRIG_TEST_MIN(mid, t->n), &params);
    call_rows(uk, &w, x, bias, y, SPRIG_TEST_MIN(mid, t->n), t->n, &params);
  } else {
    call_rows(uk, &w, x, bias, y, 0, t->n, &params);
  }
  char what[200];
  snprintf(what, sizeof(what), "%s k=%zu n=%zu fill=%.2f split=%d", uk->name, t->k, t->n, t->fill, t->split);
  assert_close(y, expected, bounds, t->n, what);
  assert_all_equal(y + t->n, 4, SENTINEL, what);
  free_weights(&w);
  free(bias);
  free(x);
  free(y);
  free(expected);
  free(bounds);
}

static void test_bspmv_kernel(void** state) {
  const struct sprig_f32_bspmv_ukernel* uk = *state;
  SKIP_UNLESS_ISA(uk->name, uk->isa);
  const size_t c = uk->block_width;
  /* Widths around the block size, rows long enough for every unrolled step, and one
   * with block columns past 2^15. */
  const size_t ks[] = {1, c - 1, c, c + 1, 2 * c - 1, 3 * c + 2, 37, 100, 1003, 4096};
  const size_t ns[] = {1, 2, 3, 5, 17, 40};
  const double fills[] = {0.0, 0.3, 1.0, 0.7};
  uint64_t seed = 11;
  for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
    for (size_t ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++) {
      const size_t variant = ki + ni;
      const struct bspmv_case t = {
          .k = ks[ki], .n = ns[ni], .fill = fills[variant % 4],
          .lo = variant % 3 == 0 ? -0.5f : -INFINITY, .hi = variant % 3 == 0 ? 0.75f : INFINITY,
          .split = (int) (variant % 2)};
      run_case(uk, &t, seed++);
    }
  }
  const struct bspmv_case wide = {.k = 40000 * c + 3, .n = 3, .fill = 0.01, .lo = -INFINITY, .hi = INFINITY};
  run_case(uk, &wide, seed++);
}

static int initialize(void** state) {
  (void) state;
  (void) sprig_initialize();
  return 0;
}

int main(void) {
  return run_per_kernel("f32-bspmv", sprig_f32_bspmv_ukernels, sprig_f32_bspmv_ukernel_count,
                        sizeof(sprig_f32_bspmv_ukernels[0]), test_bspmv_kernel, initialize);
}
