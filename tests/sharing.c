/* Operators created from one packed-weights object share everything derived from it: the heap
 * held by eight operators is less than 1.2x that of one, and operators created and run from
 * several threads at once compute the same bits as one created alone. */
#define _GNU_SOURCE

#include "test-util.h"

#include <sprig.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#include <pthread.h>
#define HAVE_THREADS 1
#else
#define HAVE_THREADS 0
#endif

enum { IN = 768, OUT = 768, BATCH = 16 };

__attribute__((unused)) static const struct sprig_sparsity shared_patterns[] = {
    {.format = SPRIG_FORMAT_CSR},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4},
    {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4},
};
#define PATTERN_COUNT (sizeof(shared_patterns) / sizeof(shared_patterns[0]))

__attribute__((unused)) static const char* sprig_format_name_for_test(size_t p) {
  static const char* const names[] = {"CSR", "BLOCK 4x1", "BLOCK 1x4", "NM 2:4"};
  return names[p];
}

static int setup_group(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success || getenv("SPRIG_FORCE_ISA") != NULL ? 0 : -1;
}

/* 90% sparse weights pruned to the pattern (2:4 for N:M), packed. */
__attribute__((unused)) static sprig_weights_t pack_layer(const struct sprig_sparsity* p, uint64_t seed) {
  float* w = malloc((size_t) IN * OUT * sizeof(float));
  struct rng rng = {seed};
  fill_random(&rng, w, (size_t) IN * OUT);
  const float target = p->format == SPRIG_FORMAT_NM ? 0.0f : 0.9f;
  assert_int_equal(sprig_prune_f32(OUT, IN, w, p, target, NULL), sprig_status_success);
  sprig_weights_t packed = NULL;
  assert_int_equal(sprig_pack_weights_f32(OUT, IN, w, p, 0, &packed), sprig_status_success);
  free(w);
  return packed;
}

__attribute__((unused)) static sprig_operator_t create_reshaped(sprig_weights_t packed, const float* bias, size_t batch) {
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_from_weights_f32(packed, bias, -INFINITY, INFINITY, 0, &op),
                   sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f32(op, batch), sprig_status_success);
  return op;
}

#if defined(__GLIBC__)
static size_t heap_in_use(void) {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

/* Whether malloc goes through glibc's allocator (sanitizers replace it). */
static bool mallinfo_counts_malloc(void) {
  const size_t before = heap_in_use();
  void* volatile probe = malloc(1 << 20);
  const bool counted = heap_in_use() >= before + (1 << 20);
  free(probe);
  return counted;
}
#endif

static void test_eight_operators_share_weights(void** state) {
  (void) state;
  require_sprig();
#if !defined(__GLIBC__)
  print_message("skipping: heap accounting needs glibc's mallinfo2\n");
  skip();
#else
  if (!mallinfo_counts_malloc()) {
    print_message("skipping: this build's allocator (a sanitizer's?) is not counted by mallinfo2\n");
    skip();
  }
  float bias[OUT];
  fill_value(bias, OUT, 0.5f);
  for (size_t p = 0; p < PATTERN_COUNT; p++) {
    /* What the operators hold once the caller has dropped its reference to the weights: the
     * packed weights, what the operators derived from them, and their own parts. */
    size_t heap[2];
    static const size_t counts[2] = {1, 8};
    for (size_t c = 0; c < 2; c++) {
      const size_t before = heap_in_use();
      sprig_weights_t packed = pack_layer(&shared_patterns[p], 90 + p);
      sprig_operator_t ops[8];
      for (size_t i = 0; i < counts[c]; i++) {
        ops[i] = create_reshaped(packed, bias, 1);
      }
      sprig_release_weights(packed);
      heap[c] = heap_in_use() - before;
      for (size_t i = 0; i < counts[c]; i++) {
        sprig_delete_operator(ops[i]);
      }
    }
    print_message("%s: one operator %zu bytes, eight %zu (%.2fx)\n", sprig_format_name_for_test(p), heap[0],
                  heap[1], (double) heap[1] / (double) heap[0]);
    if (!((double) heap[1] < 1.2 * (double) heap[0])) {
      fail_msg("pattern %zu: eight operators hold %zu bytes, one %zu", p, heap[1], heap[0]);
    }
  }
#endif
}

struct worker {
  sprig_weights_t packed;
  const float* input;
  const float* bias;
  float* output;   /* 4 operators x BATCH x OUT */
};

/* Creates four operators from the shared weights (batches 1, 3, 8, 16: every path's plans) and
 * runs each. */
__attribute__((unused)) static void* work(void* argument) {
  struct worker* w = argument;
  static const size_t batches[] = {1, 3, 8, BATCH};
  for (size_t i = 0; i < 4; i++) {
    sprig_operator_t op = NULL;
    if (sprig_create_linear_from_weights_f32(w->packed, w->bias, -INFINITY, INFINITY, 0, &op) != sprig_status_success ||
        sprig_reshape_linear_f32(op, batches[i]) != sprig_status_success ||
        sprig_setup_linear_f32(op, w->input, w->output + i * BATCH * OUT) != sprig_status_success ||
        sprig_run_operator(op, NULL) != sprig_status_success) {
      w->output[i * BATCH * OUT] = NAN;
    }
    sprig_delete_operator(op);
  }
  return NULL;
}

static void test_concurrent_creation(void** state) {
  (void) state;
  require_sprig();
#if !HAVE_THREADS
  print_message("skipping: this build has no threads\n");
  skip();
#else
  enum { THREADS = 4 };
  float* input = malloc(BATCH * IN * sizeof(float));
  float bias[OUT];
  struct rng rng = {31337};
  fill_random(&rng, input, BATCH * IN);
  fill_random(&rng, bias, OUT);
  for (size_t p = 0; p < PATTERN_COUNT; p++) {
    float* expected = malloc(4 * BATCH * OUT * sizeof(float));
    float* outputs = malloc(THREADS * 4 * BATCH * OUT * sizeof(float));
    fill_value(expected, 4 * BATCH * OUT, SENTINEL);
    fill_value(outputs, THREADS * 4 * BATCH * OUT, SENTINEL);
    /* The reference: fresh weights, one thread. */
    sprig_weights_t alone = pack_layer(&shared_patterns[p], 500 + p);
    struct worker reference = {alone, input, bias, expected};
    work(&reference);
    sprig_release_weights(alone);
    /* The same weights packed again (nothing derived yet), four threads at once. */
    sprig_weights_t packed = pack_layer(&shared_patterns[p], 500 + p);
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (size_t t = 0; t < THREADS; t++) {
      workers[t] = (struct worker){packed, input, bias, outputs + t * 4 * BATCH * OUT};
      assert_int_equal(pthread_create(&threads[t], NULL, work, &workers[t]), 0);
    }
    for (size_t t = 0; t < THREADS; t++) {
      assert_int_equal(pthread_join(threads[t], NULL), 0);
    }
    sprig_release_weights(packed);
    for (size_t t = 0; t < THREADS; t++) {
      if (memcmp(outputs + t * 4 * BATCH * OUT, expected, 4 * BATCH * OUT * sizeof(float)) != 0) {
        fail_msg("pattern %zu: thread %zu computed other bits than one operator alone", p, t);
      }
    }
    free(outputs);
    free(expected);
  }
  free(input);
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_eight_operators_share_weights),
      cmocka_unit_test(test_concurrent_creation),
  };
  return cmocka_run_group_tests_name("sharing", tests, setup_group, NULL);
}
