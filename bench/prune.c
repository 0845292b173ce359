#include "prune.h"

#include <math.h>
#include <stdlib.h>

static void swap(float* a, float* b) {
  const float t = *a;
  *a = *b;
  *b = t;
}

static float median_of_three(float a, float b, float c) {
  if (a > b) {
    swap(&a, &b);
  }
  if (b > c) {
    b = c;
  }
  return a > b ? a : b;
}

/* The value that would be at index `k` if values[0 .. count) were sorted ascending
 * (three-way partitioning, so runs of equal values cost nothing). Reorders values. */
static float select_kth(float* values, size_t count, size_t k) {
  size_t lo = 0;
  size_t hi = count; /* [lo, hi) holds index k */
  while (hi - lo > 1) {
    const float pivot = median_of_three(values[lo], values[lo + (hi - lo) / 2], values[hi - 1]);
    size_t lt = lo, i = lo, gt = hi;
    while (i < gt) {
      if (values[i] < pivot) {
        swap(&values[lt++], &values[i++]);
      } else if (values[i] > pivot) {
        swap(&values[i], &values[--gt]);
      } else {
        i++;
      }
    }
    if (k < lt) {
      hi = lt;
    } else if (k >= gt) {
      lo = gt;
    } else {
      return pivot;
    }
  }
  return values[lo];
}

static size_t count_nonzeros(const float* values, size_t count) {
  size_t nnz = 0;
  for (size_t i = 0; i < count; i++) {
    nnz += values[i] != 0.0f;
  }
  return nnz;
}

size_t bench_prune_magnitude(float* values, size_t count, double sparsity) {
  const double wanted = floor((1.0 - sparsity) * (double) count + 0.5);
  const size_t keep = wanted <= 0.0 ? 0 : (wanted >= (double) count ? count : (size_t) wanted);
  if (keep == count) {
    return count_nonzeros(values, count);
  }
  float* magnitudes = malloc((count > 0 ? count : 1) * sizeof(float));
  if (magnitudes == NULL) {
    return (size_t) -1;
  }
  size_t above = 0;
  float threshold = INFINITY;
  for (size_t i = 0; i < count; i++) {
    magnitudes[i] = fabsf(values[i]);
  }
  if (keep > 0) {
    threshold = select_kth(magnitudes, count, count - keep);
    for (size_t i = 0; i < count; i++) {
      above += fabsf(values[i]) > threshold;
    }
  }
  free(magnitudes);
  size_t equal_allowed = keep - above;
  for (size_t i = 0; i < count; i++) {
    const float m = fabsf(values[i]);
    if (m > threshold) {
      continue;
    }
    if (m == threshold && equal_allowed > 0) {
      equal_allowed--;
      continue;
    }
    values[i] = 0.0f;
  }
  return count_nonzeros(values, count);
}
