/* Shared helpers for sprig's CMocka tests: deterministic random data, sparse matrices,
 * error-bounded comparison against the reference. */
#ifndef SPRIG_TEST_UTIL_H
#define SPRIG_TEST_UTIL_H

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthreadpool.h>

#include <sprig.h>
#include <sprig/hardware.h>

#if !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#include <unistd.h>
#endif
#if !defined(__EMSCRIPTEN__) && !defined(__SANITIZE_ADDRESS__)
#define SPRIG_TEST_GUARD_PAGE 1
#endif

/* `bytes` of heap whose end abuts an inaccessible page where the platform has mprotect (not
 * WebAssembly; ASan builds keep plain malloc, whose bounds ASan checks): a kernel that reads past
 * the end faults on every target, qemu's included. In WebAssembly, which cannot protect a page,
 * the block is followed by GUARD_FILL_BYTES of 0xFF (a NaN in every f32 and f16 lane, -1 in
 * every int8 one), so that a read past the end shows in the results instead. Freed with
 * guarded_free. */
#define GUARD_FILL_BYTES 256
struct guarded {
  void* data;
  void* block;
  size_t guard_offset;
  size_t page;
};

static inline void* guarded_alloc(struct guarded* g, size_t bytes) {
#ifdef SPRIG_TEST_GUARD_PAGE
  g->page = (size_t) sysconf(_SC_PAGESIZE);
  g->guard_offset = (bytes + g->page - 1) / g->page * g->page;
  g->block = aligned_alloc(g->page, g->guard_offset + g->page);
  assert_non_null(g->block);
  assert_int_equal(mprotect((char*) g->block + g->guard_offset, g->page, PROT_NONE), 0);
  g->data = (char*) g->block + g->guard_offset - bytes;
#elif defined(__EMSCRIPTEN__)
  g->block = g->data = malloc(bytes + GUARD_FILL_BYTES);
  assert_non_null(g->data);
  memset((char*) g->data + bytes, 0xFF, GUARD_FILL_BYTES);
#else
  g->block = g->data = malloc(bytes > 0 ? bytes : 1);
  assert_non_null(g->data);
#endif
  return g->data;
}

static inline void guarded_free(struct guarded* g) {
#ifdef SPRIG_TEST_GUARD_PAGE
  assert_int_equal(mprotect((char*) g->block + g->guard_offset, g->page, PROT_READ | PROT_WRITE), 0);
#endif
  free(g->block);
}

/* Rows far apart: `rows` rows of `row_bytes` copied from `src` (rows `src_stride` apart) to rows
 * `stride` bytes apart in address space reserved without memory (MAP_NORESERVE: only the rows'
 * pages are touched), for the kernels' paths for row offsets past 32 bits (strides above 4 GiB).
 * far_rows_copy exists on 64-bit Linux only (SPRIG_TEST_FAR_ROWS) and returns NULL when the
 * system refuses the reservation (the caller skips, visibly: require_far_rows). Freed with
 * far_rows_free. */
struct far_rows {
  void* base;
  size_t bytes;
};

#if !defined(__EMSCRIPTEN__) && defined(__linux__) && UINTPTR_MAX > 0xFFFFFFFFu
#define SPRIG_TEST_FAR_ROWS 1
static inline void* far_rows_copy(struct far_rows* f, const void* src, size_t rows, size_t row_bytes,
                                  size_t src_stride, size_t stride) {
  f->bytes = (rows - 1) * stride + row_bytes;
  f->base = mmap(NULL, f->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (f->base == MAP_FAILED) {
    f->base = NULL;
    return NULL;
  }
  for (size_t r = 0; r < rows; r++) {
    memcpy((char*) f->base + r * stride, (const char*) src + r * src_stride, row_bytes);
  }
  return f->base;
}
#endif

/* What a kernel under test reads: `src` itself when `stride` is 0, else its rows copied `stride`
 * bytes apart (far_rows_copy; the test fails if that is refused: call require_far_rows first). */
static inline const void* far_rows_input(struct far_rows* f, const void* src, size_t rows, size_t row_bytes,
                                         size_t src_stride, size_t stride) {
  *f = (struct far_rows){NULL, 0};
  if (stride == 0) {
    return src;
  }
#ifdef SPRIG_TEST_FAR_ROWS
  const void* copy = far_rows_copy(f, src, rows, row_bytes, src_stride, stride);
  assert_non_null(copy);
  return copy;
#else
  (void) rows;
  (void) row_bytes;
  (void) src_stride;
  fail_msg("rows %zu bytes apart need a 64-bit Linux address space", stride);
  return NULL;
#endif
}

static inline void far_rows_free(struct far_rows* f) {
#ifdef SPRIG_TEST_FAR_ROWS
  if (f->base != NULL) {
    assert_int_equal(munmap(f->base, f->bytes), 0);
  }
#else
  (void) f;
#endif
}

/* Skips the calling test (visibly) unless `rows` rows `stride` bytes apart can be reserved. */
static inline void require_far_rows(size_t rows, size_t stride) {
#ifdef SPRIG_TEST_FAR_ROWS
  struct far_rows probe = {NULL, 0};
  const char row[64] = {0};
  if (far_rows_copy(&probe, row, rows, sizeof(row), 0, stride) != NULL) {
    far_rows_free(&probe);
    return;
  }
  print_message("skipping: this system does not reserve %zu rows %zu bytes apart without memory\n", rows, stride);
#else
  (void) rows;
  (void) stride;
  print_message("skipping: rows more than 4 GiB apart need a 64-bit Linux address space\n");
#endif
  skip();
}

/* The stride of the far-rows cases: 4 GiB + 4 KiB, past every 32-bit offset (meaningful where
 * SPRIG_TEST_FAR_ROWS is defined; require_far_rows skips elsewhere). */
#define FAR_ROW_STRIDE ((size_t) (UINT64_C(1) << 32) + 4096)

/* Initializes sprig or skips: a forced ISA this CPU lacks is a visible skip, not a pass; any
 * other failure fails the test. */
static inline void require_sprig(void) {
  const enum sprig_status status = sprig_initialize();
  if (status == sprig_status_unsupported_hardware) {
    print_message("skipping: SPRIG_FORCE_ISA=%s is not supported by this CPU (or build)\n", getenv("SPRIG_FORCE_ISA"));
    skip();
  }
  assert_int_equal(status, sprig_status_success);
}

/* A pool of `threads` threads, or NULL (serial) for 0. */
static inline pthreadpool_t make_pool(size_t threads) {
  if (threads == 0) {
    return NULL;
  }
  pthreadpool_t pool = pthreadpool_create(threads);
  assert_non_null(pool);
  return pool;
}

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

/* Compares a kernel's output [channels][output_stride] with the reference's: pixels [0, m) of
 * each channel within error_bound of the products the channel's entries in `a` make with the
 * input (rows input_stride floats apart), terms = `terms` or, when 0, the channel's entry count;
 * the padding floats after pixel m bit-identical (never written). Fails naming `what`. */
static inline void assert_kernel_output(const char* what, const struct csr* a, const float* bias,
                                        const float* input, size_t input_stride, const float* output,
                                        const float* expected, size_t channels, size_t m, size_t output_stride,
                                        size_t terms) {
  for (size_t r = 0; r < channels; r++) {
    for (size_t p = 0; p < output_stride; p++) {
      const float actual = output[r * output_stride + p];
      const float wanted = expected[r * output_stride + p];
      if (p >= m) {
        if (memcmp(&actual, &wanted, sizeof(float)) != 0) {
          fail_msg("%s: channel %zu: padding float %zu after the row was written (%.9g)", what, r, p - m,
                   (double) actual);
        }
        continue;
      }
      double magnitude = fabs(bias[r]);
      for (uint32_t j = a->row_ptr[r]; j < a->row_ptr[r + 1]; j++) {
        magnitude += fabs(a->values[j] * input[a->col_idx[j] * input_stride + p]);
      }
      const float bound = error_bound(terms != 0 ? terms : a->row_ptr[r + 1] - a->row_ptr[r], magnitude);
      if (!(fabsf(actual - wanted) <= bound)) {
        fail_msg("%s: channel %zu pixel %zu is %.9g, expected %.9g (bound %.3g)", what, r, p, (double) actual,
                 (double) wanted, (double) bound);
      }
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

/* Whether kernel `name` is one of `isa` (SPRIG_FORCE_ISA's name): it holds "__<isa>",
 * "__aarch64_<isa>" or "__armv7_<isa>" followed by the end of the name or '_' (a variant suffix),
 * so that "neon" does not match "__armv7_neonvfpv4". */
static inline bool kernel_name_has_isa(const char* name, const char* isa) {
  static const char* const prefixes[] = {"__", "__aarch64_", "__armv7_"};
  for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
    char tag[64];
    snprintf(tag, sizeof(tag), "%s%s", prefixes[i], isa);
    for (const char* at = strstr(name, tag); at != NULL; at = strstr(at + 1, tag)) {
      const char next = at[strlen(tag)];
      if (next == '\0' || next == '_') {
        return true;
      }
    }
  }
  return false;
}

/* The ISA whose kernels a family without kernels of the forced ISA (SPRIG_FORCE_ISA) runs: the
 * forced ISA's base (wasmrelaxedsimd: wasmsimd; avxvnni: avx2, ...), scalar for the others. */
static inline const char* forced_isa_fallback(void) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  if (hw == NULL || hw->forced_isa == sprig_isa_count) {
    return "scalar";
  }
  return sprig_isa_to_string(sprig_isa_base(hw->forced_isa));
}

/* A CPU description with only `isa` (and scalar), for tests of the kernel choice; `inorder`: most
 * of its cores are in-order. */
static inline struct sprig_hardware hardware_with_only(enum sprig_isa isa, bool inorder) {
  struct sprig_hardware hardware = {.initialized = true, .forced_isa = sprig_isa_count,
                                    .l2_bytes = SPRIG_DEFAULT_L2_BYTES, .inorder_cores = inorder};
  hardware.has_isa[sprig_isa_scalar] = true;
  hardware.has_isa[isa] = true;
  return hardware;
}

/* The clamp flavour of a WebAssembly kernel: the "_x86" or "_arm" that ends its name, else NULL. */
static inline const char* wasm_clamp_flavour(const char* name) {
  const size_t length = strlen(name);
  if (length < 4 || strstr(name, "__wasm") == NULL) {
    return NULL;
  }
  const char* end = name + length - 4;
  return strcmp(end, "_x86") == 0 || strcmp(end, "_arm") == 0 ? end : NULL;
}

/* Pixel counts up to which the kernel-choice tests narrow a default (above every listed MR but
 * AVX-512's widest, which these flavour checks do not concern). */
#define FLAVOUR_CHECK_PIXELS 80

/* Fails unless `name` has no clamp flavour or has the flavour `want` (from the NR = 1 default). */
static inline void assert_default_flavour(const char* name, const char* want, size_t pixels) {
  const char* flavour = wasm_clamp_flavour(name);
  if (flavour != NULL && (want == NULL || strcmp(flavour, want) != 0)) {
    fail_msg("%zu pixels: the choice %s is not in the default's flavour (%s)", pixels, name,
             want != NULL ? want : "none");
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

/*
 * Kernel tests: every listed kernel of a family runs every named case of that family. A case is
 * a function that sets up the family's tester object (tests/f32-<family>.c) for one situation
 * (k = 1, m above MR, clamps, ...) and runs it on the kernel; the tester compares the kernel's
 * output with kernels/reference and fails naming the kernel, the case and its parameters.
 * Each (kernel, case) pair is one CMocka test named "<kernel>: <case>", skipped (never passed)
 * when this CPU or build cannot run the kernel's ISA. SPRIG_TEST_FILTER=<glob> runs only the
 * tests whose names match, e.g. SPRIG_TEST_FILTER='*112x1__avx512f*: m = MR'.
 */
struct kernel_test_case {
  const char* name;
  void (*run)(const void* ukernel);
  /* NULL, or false for kernels the case means nothing to (m < MR when MR = 1): those get no
   * test of that name. */
  bool (*applies)(const void* ukernel);
};

struct kernel_test_state {
  const char* name;
  const char* kernel_name;
  enum sprig_isa isa;
  const void* ukernel;
  const struct kernel_test_case* test_case;
};

/* Where the running kernel test's name is kept ("<kernel>: <case>"), for failure messages. */
static inline const char** kernel_test_name(void) {
  static const char* name = "";
  return &name;
}

static inline void run_kernel_test(void** state) {
  const struct kernel_test_state* s = *state;
  SKIP_UNLESS_ISA(s->kernel_name, s->isa);
  *kernel_test_name() = s->name;
  s->test_case->run(s->ukernel);
}

/* Runs every case on every entry of a kernel table whose entries start with their
 * `const char* name` (the kernel list structs do); isa_of gives an entry's ISA. */
static inline int run_kernel_cases(const char* group, const void* table, size_t count, size_t entry_size,
                                   enum sprig_isa (*isa_of)(const void* entry), const struct kernel_test_case* cases,
                                   size_t case_count, CMFixtureFunction setup) {
  size_t total = 0;
  const size_t most = SPRIG_TEST_MAX(count * case_count, 1);
  struct CMUnitTest* tests = calloc(most, sizeof(struct CMUnitTest));
  struct kernel_test_state* states = calloc(most, sizeof(struct kernel_test_state));
  char** names = calloc(most, sizeof(char*));
  if (tests == NULL || states == NULL || names == NULL) {
    fprintf(stderr, "%s: out of memory\n", group);
    return 1;
  }
  for (size_t i = 0; i < count; i++) {
    const void* entry = (const char*) table + i * entry_size;
    const char* kernel_name = *(const char* const*) entry;
    for (size_t c = 0; c < case_count; c++) {
      if (cases[c].applies != NULL && !cases[c].applies(entry)) {
        continue;
      }
      const size_t t = total++;
      const size_t length = strlen(kernel_name) + strlen(cases[c].name) + 3;
      names[t] = malloc(length);
      if (names[t] == NULL) {
        fprintf(stderr, "%s: out of memory\n", group);
        return 1;
      }
      snprintf(names[t], length, "%s: %s", kernel_name, cases[c].name);
      states[t] = (struct kernel_test_state){names[t], kernel_name, isa_of(entry), entry, &cases[c]};
      tests[t] = (struct CMUnitTest){.name = names[t], .test_func = run_kernel_test, .initial_state = &states[t]};
    }
  }
  const char* filter = getenv("SPRIG_TEST_FILTER");
  if (filter != NULL && filter[0] != '\0') {
    cmocka_set_test_filter(filter);
  }
  const int failures = _cmocka_run_group_tests(group, tests, total, setup, NULL);
  for (size_t t = 0; t < total; t++) {
    free(names[t]);
  }
  free(names);
  free(states);
  free(tests);
  return failures;
}

#endif /* SPRIG_TEST_UTIL_H */
