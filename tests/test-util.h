/* Shared helpers for sprig's CMocka tests: deterministic random data, sparse matrices,
 * error-bounded comparison against the reference. */
#ifndef SPRIG_TEST_UTIL_H
#define SPRIG_TEST_UTIL_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#define SPRIG_TEST_MAX(a, b) ((a) > (b) ? (a) : (b))
#define SPRIG_TEST_MIN(a, b) ((a) < (b) ? (a) : (b))

static inline size_t sprig_divide_round_up_test(size_t n, size_t q) {
  return n / q + (size_t) (n % q != 0);
}

/* A value no computation in the tests produces: marks memory that must stay untouched. */
#define SENTINEL (-12345.678f)

struct rng {
  uint64_t state;
};

static inline uint32_t rng_next(struct rng* r) {
  r->state = r->state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t) (r->state >> 33);
}

/* Uniform in [-1, 1). */
static inline float rng_float(struct rng* r) {
  return (float) rng_next(r) / 1073741824.0f - 1.0f; /* rng_next is 31 bits */
}

static inline void fill_random(struct rng* r, float* data, size_t count) {
  for (size_t i = 0; i < count; i++) {
    data[i] = rng_float(r);
  }
}

static inline void fill_value(float* data, size_t count, float value) {
  for (size_t i = 0; i < count; i++) {
    data[i] = value;
  }
}

/* Dense [rows][cols] with about `sparsity` of the entries exactly zero (0 and 1 are exact). */
static inline void fill_sparse(struct rng* r, float* dense, size_t rows, size_t cols, double sparsity) {
  for (size_t i = 0; i < rows * cols; i++) {
    const double u = (double) rng_next(r) / 2147483648.0;
    float v = rng_float(r);
    if (v == 0.0f) {
      v = 0.5f;
    }
    dense[i] = (sparsity >= 1.0 || (sparsity > 0.0 && u < sparsity)) ? 0.0f : v;
  }
}

struct csr {
  size_t rows, cols, nnz;
  uint32_t* row_ptr;
  uint32_t* col_idx;
  float* values;
};

static inline struct csr csr_from_dense(const float* dense, size_t rows, size_t cols) {
  struct csr m = {rows, cols, 0, NULL, NULL, NULL};
  for (size_t i = 0; i < rows * cols; i++) {
    m.nnz += dense[i] != 0.0f;
  }
  m.row_ptr = malloc((rows + 1) * sizeof(uint32_t));
  m.col_idx = malloc((m.nnz + 1) * sizeof(uint32_t));
  m.values = malloc((m.nnz + 1) * sizeof(float));
  size_t k = 0;
  m.row_ptr[0] = 0;
  for (size_t r = 0; r < rows; r++) {
    for (size_t c = 0; c < cols; c++) {
      if (dense[r * cols + c] != 0.0f) {
        m.col_idx[k] = (uint32_t) c;
        m.values[k++] = dense[r * cols + c];
      }
    }
    m.row_ptr[r + 1] = (uint32_t) k;
  }
  return m;
}

static inline void csr_free(struct csr* m) {
  free(m->row_ptr);
  free(m->col_idx);
  free(m->values);
}

/* Largest admissible difference between a float computation of bias + sum of `terms`
 * products and the exact value: (terms + 2) units of roundoff on the sum of magnitudes. */
static inline float error_bound(size_t terms, double magnitude) {
  return (float) ((double) (terms + 2) * 1.2e-7 * magnitude + 1e-30);
}

/* Compares `actual` with `expected` under per-element bounds; fails with the first mismatch. */
static inline void assert_close(const float* actual, const float* expected, const float* bounds, size_t count,
                                const char* what) {
  for (size_t i = 0; i < count; i++) {
    const float diff = fabsf(actual[i] - expected[i]);
    if (!(diff <= bounds[i])) {
      fail_msg("%s: element %zu is %.9g, expected %.9g (bound %.3g)", what, i, (double) actual[i],
               (double) expected[i], (double) bounds[i]);
    }
  }
}

static inline void assert_all_equal(const float* data, size_t count, float value, const char* what) {
  for (size_t i = 0; i < count; i++) {
    if (memcmp(&data[i], &value, sizeof(float)) != 0) {
      fail_msg("%s: element %zu was written (%.9g)", what, i, (double) data[i]);
    }
  }
}

/* Skips the running test, visibly, when this CPU (or build) cannot run kernels of `isa`. */
#define SKIP_UNLESS_ISA(name, isa)                                                                \
  do {                                                                                           \
    const struct sprig_hardware* hw_ = sprig_get_hardware();                                     \
    if (hw_ == NULL || !hw_->has_isa[(isa)]) {                                                   \
      print_message("skipping %s: this CPU cannot run %s\n", (name), sprig_isa_to_string(isa)); \
      skip();                                                                                    \
    }                                                                                            \
  } while (0)

/* Runs `test` once per entry of a kernel table whose entries start with their `const char* name`
 * (the kernel list structs do); the test receives the entry as its state. */
static inline int run_per_kernel(const char* group, const void* table, size_t count, size_t entry_size,
                                 CMUnitTestFunction test, CMFixtureFunction setup) {
  struct CMUnitTest* tests = calloc(count, sizeof(struct CMUnitTest));
  for (size_t i = 0; i < count; i++) {
    const void* entry = (const char*) table + i * entry_size;
    tests[i] = (struct CMUnitTest){
        .name = *(const char* const*) entry,
        .test_func = test,
        .initial_state = (void*) entry,
    };
  }
  const int failures = _cmocka_run_group_tests(group, tests, count, setup, NULL);
  free(tests);
  return failures;
}

#endif /* SPRIG_TEST_UTIL_H */
