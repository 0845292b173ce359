/* sprig_prune_f32: magnitude pruning in place to a pattern. */
#include <math.h>
#include <stdlib.h>

#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/weights.h>

/* A tile's rank: the sum of its squares in double (a float's square, and a sum of up to 64 of
 * them, neither overflows nor underflows a double, so 1e20 outranks 1e19 and 2e-30 outranks
 * 1e-30), and whether it holds a NaN (NaN outranks every number, +Inf included). */
struct ranked {
  double score;
  bool has_nan;
  size_t index;
};

/* Weakest first: no NaN before NaN, then ascending score; ties: the later index first, so the
 * earlier tile is kept. */
static int compare_ranked(const void* a, const void* b) {
  const struct ranked* x = a;
  const struct ranked* y = b;
  if (x->has_nan != y->has_nan) {
    return x->has_nan ? 1 : -1;
  }
  if (x->score != y->score) {
    return x->score < y->score ? -1 : 1;
  }
  return x->index < y->index ? 1 : (x->index > y->index ? -1 : 0);
}

static void swap_ranked(struct ranked* a, struct ranked* b) {
  const struct ranked t = *a;
  *a = *b;
  *b = t;
}

/* Orders r[a], r[b], r[c] (compare_ranked) so that r[b] is their median. */
static void median_of_three(struct ranked* r, size_t a, size_t b, size_t c) {
  if (compare_ranked(&r[b], &r[a]) < 0) {
    swap_ranked(&r[a], &r[b]);
  }
  if (compare_ranked(&r[c], &r[b]) < 0) {
    swap_ranked(&r[b], &r[c]);
    if (compare_ranked(&r[b], &r[a]) < 0) {
      swap_ranked(&r[a], &r[b]);
    }
  }
}

/* Puts the k weakest of r[0 .. n) (compare_ranked, a total order: the set is unique) in
 * r[0 .. k), in no particular order. Quickselect: r[0 .. lo) are weaker and r[hi .. n) stronger
 * than every r[lo .. hi), and lo <= k <= hi. A range that has not shrunk to 16 after 2 log2(n) + 8
 * partitions, or has, is sorted instead. */
static void select_weakest(struct ranked* r, size_t n, size_t k) {
  size_t lo = 0, hi = n;
  size_t budget = 8;
  for (size_t m = n; m != 0; m >>= 1) {
    budget += 2;
  }
  while (lo < k && k < hi && hi - lo > 16 && budget-- != 0) {
    median_of_three(r, lo, lo + (hi - lo) / 2, hi - 1);
    swap_ranked(&r[lo + (hi - lo) / 2], &r[hi - 1]);
    size_t store = lo;
    for (size_t i = lo; i + 1 < hi; i++) {
      if (compare_ranked(&r[i], &r[hi - 1]) < 0) {
        swap_ranked(&r[i], &r[store++]);
      }
    }
    swap_ranked(&r[store], &r[hi - 1]);
    /* r[lo .. store) < r[store] < r[store + 1 .. hi). */
    if (k <= store) {
      hi = store;
    } else {
      lo = store + 1;
    }
  }
  if (lo < k && k < hi) {
    qsort(r + lo, hi - lo, sizeof(struct ranked), compare_ranked);
  }
}

/* Units are bh x bw tiles (1 x 1 for elements); zeroes the round(target * units) weakest. */
static enum sprig_status prune_tiles(size_t rows, size_t cols, float* w, size_t bh, size_t bw, float target) {
  const size_t tile_rows = sprig_divide_round_up(rows, bh);
  const size_t tile_cols = sprig_divide_round_up(cols, bw);
  const size_t units = tile_rows * tile_cols;
  size_t rank_bytes;
  struct ranked* ranks = sprig_mul_size(units, sizeof(struct ranked), &rank_bytes) ? malloc(rank_bytes) : NULL;
  if (ranks == NULL) {
    sprig_log_error("sprig_prune_f32: out of memory ranking %zu units", units);
    return sprig_status_out_of_memory;
  }
  for (size_t t = 0; t < units; t++) {
    const size_t r0 = t / tile_cols * bh, c0 = t % tile_cols * bw;
    struct ranked rank = {0.0, false, t};
    for (size_t r = r0; r < SPRIG_MIN(r0 + bh, rows); r++) {
      for (size_t c = c0; c < SPRIG_MIN(c0 + bw, cols); c++) {
        const double v = (double) w[r * cols + c];
        rank.has_nan |= isnan(v);
        rank.score += isnan(v) ? 0.0 : v * v;
      }
    }
    ranks[t] = rank;
  }
  const size_t drop = (size_t) llround((double) target * (double) units);
  select_weakest(ranks, units, drop);
  for (size_t k = 0; k < drop; k++) {
    const size_t r0 = ranks[k].index / tile_cols * bh, c0 = ranks[k].index % tile_cols * bw;
    for (size_t r = r0; r < SPRIG_MIN(r0 + bh, rows); r++) {
      for (size_t c = c0; c < SPRIG_MIN(c0 + bw, cols); c++) {
        w[r * cols + c] = 0.0f;
      }
    }
  }
  free(ranks);
  return sprig_status_success;
}

enum sprig_status sprig_prune_f32(
    size_t rows, size_t cols, float* weights, const struct sprig_sparsity* pattern, float target_sparsity,
    float* achieved_sparsity_out) {
  static const char caller[] = "sprig_prune_f32";
  size_t count;
  if (rows == 0 || cols == 0 || !sprig_mul3_size(rows, cols, sizeof(float), &count)) {
    sprig_log_error("%s: rows (%zu) and cols (%zu) must be > 0 and their f32 byte size fit size_t", caller, rows,
                    cols);
    return sprig_status_invalid_parameter;
  }
  if (weights == NULL) {
    sprig_log_error("%s: weights is NULL", caller);
    return sprig_status_invalid_parameter;
  }
  if (!(target_sparsity >= 0.0f && target_sparsity <= 1.0f)) {
    sprig_log_error("%s: target_sparsity (%g) must be in [0, 1]", caller, (double) target_sparsity);
    return sprig_status_invalid_parameter;
  }
  enum sprig_status status = sprig_check_pattern(rows, pattern, caller);
  if (status != sprig_status_success) {
    return status;
  }
  const struct sprig_sparsity p = pattern != NULL ? *pattern : (struct sprig_sparsity){.format = SPRIG_FORMAT_CSR};
  switch (p.format) {
    case SPRIG_FORMAT_AUTO:
      sprig_log_error("%s: AUTO names no pattern to prune to", caller);
      return sprig_status_invalid_parameter;
    case SPRIG_FORMAT_NM:
      if (target_sparsity != 0.0f && target_sparsity > 1.0f - (float) p.n / (float) p.m + 1e-6f) {
        sprig_log_error("%s: %u:%u pruning reaches %g sparsity; target_sparsity must be 0 or at most that",
                        caller, (unsigned) p.n, (unsigned) p.m, 1.0 - (double) p.n / (double) p.m);
        return sprig_status_invalid_parameter;
      }
      sprig_prune_runs_nm(rows, cols, weights, p.n, p.m);
      break;
    case SPRIG_FORMAT_BLOCK:
      status = prune_tiles(rows, cols, weights, p.block_rows, p.block_cols, target_sparsity);
      break;
    case SPRIG_FORMAT_GROUP:
      status = prune_tiles(rows, cols, weights, p.group, 1, target_sparsity);
      break;
    default:
      status = prune_tiles(rows, cols, weights, 1, 1, target_sparsity);
      break;
  }
  if (status == sprig_status_success && achieved_sparsity_out != NULL) {
    size_t zeros = 0;
    for (size_t i = 0; i < rows * cols; i++) {
      zeros += (size_t) (weights[i] == 0.0f);
    }
    *achieved_sparsity_out = (float) ((double) zeros / (double) (rows * cols));
  }
  return status;
}
