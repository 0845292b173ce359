/* The pthreadpool entry points sprig uses, whichever implementation the build links: Debian's
 * pthreadpool natively, src/threadpool-serial.c in the serial wasm build, src/threadpool-wasm.c
 * in the threaded one (SPRIG_WASM_THREADS). Every item runs exactly once, for NULL and real pools
 * and degenerate ranges; a pool of T threads reports T; and a pool of 2 or 4 really runs its items
 * at the same time (each item waits for the others to start: no serial pool can pass), skipped in
 * the serial wasm build. */
#define _POSIX_C_SOURCE 200809L

#include "test-util.h"

#include <stdatomic.h>
#include <time.h>

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define SERIAL_POOL 1
#else
#define SERIAL_POOL 0
#endif

struct count_context {
  atomic_int* hits;
  size_t range_j;
};

static void count_1d(void* context, size_t i) {
  struct count_context* c = context;
  atomic_fetch_add(&c->hits[i], 1);
}

static void count_2d(void* context, size_t i, size_t j) {
  struct count_context* c = context;
  atomic_fetch_add(&c->hits[i * c->range_j + j], 1);
}

/* Runs a 1d (range_i * range_j items) or 2d job and checks that each item ran once. */
static void check_once(pthreadpool_t pool, bool two_d, size_t range_i, size_t range_j) {
  const size_t items = range_i * range_j;
  atomic_int* hits = calloc(items + 1, sizeof(atomic_int));
  assert_non_null(hits);
  for (size_t i = 0; i < items; i++) {
    atomic_init(&hits[i], 0);
  }
  struct count_context context = {hits, range_j};
  if (two_d) {
    pthreadpool_parallelize_2d(pool, count_2d, &context, range_i, range_j, 0);
  } else {
    pthreadpool_parallelize_1d(pool, count_1d, &context, items, 0);
  }
  for (size_t i = 0; i < items; i++) {
    if (atomic_load(&hits[i]) != 1) {
      fail_msg("%s job %zux%zu on a pool of %zu: item %zu ran %d times", two_d ? "2d" : "1d", range_i, range_j,
               pthreadpool_get_threads_count(pool), i, atomic_load(&hits[i]));
    }
  }
  free(hits);
}

static void test_every_item_once(void** state) {
  (void) state;
  /* 0: NULL pool. No 2d range with one side 0 and the other > 1: Debian's pthreadpool asserts. */
  static const size_t pool_threads[] = {0, 1, 2, 4};
  static const size_t ranges[][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {1, 7}, {7, 1}, {2, 3}, {13, 11}, {64, 97}};
  for (size_t p = 0; p < sizeof(pool_threads) / sizeof(pool_threads[0]); p++) {
    pthreadpool_t pool = make_pool(pool_threads[p]);
    for (int repeat = 0; repeat < 20; repeat++) {
      for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
        check_once(pool, false, ranges[r][0], ranges[r][1]);
        check_once(pool, true, ranges[r][0], ranges[r][1]);
      }
    }
    pthreadpool_destroy(pool);
  }
}

static void test_threads_count(void** state) {
  (void) state;
  assert_int_equal(pthreadpool_get_threads_count(NULL), 1);
  for (size_t threads = 1; threads <= 4; threads++) {
    pthreadpool_t pool = make_pool(threads);
    assert_int_equal(pthreadpool_get_threads_count(pool), threads);
    pthreadpool_destroy(pool);
  }
  pthreadpool_t cores = pthreadpool_create(0);  /* one thread per core */
  assert_non_null(cores);
  assert_true(pthreadpool_get_threads_count(cores) >= 1);
  pthreadpool_destroy(cores);
}

struct meet_context {
  atomic_size_t arrived;
  atomic_int timed_out;
  size_t threads;
};

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

/* Each item waits (up to 10 s: the machine may be loaded) until `threads` items have started. */
static void meet(void* context, size_t i) {
  (void) i;
  struct meet_context* m = context;
  atomic_fetch_add(&m->arrived, 1);
  const double deadline = now_seconds() + 10.0;
  while (atomic_load(&m->arrived) < m->threads) {
    if (now_seconds() > deadline) {
      atomic_store(&m->timed_out, 1);
      return;
    }
  }
}

static void test_items_run_concurrently(void** state) {
  (void) state;
  if (SERIAL_POOL) {
    print_message("skipping: the serial wasm build's pool runs every item on the caller\n");
    skip();
  }
  static const size_t pool_threads[] = {2, 4};
  for (size_t p = 0; p < sizeof(pool_threads) / sizeof(pool_threads[0]); p++) {
    pthreadpool_t pool = make_pool(pool_threads[p]);
    for (int repeat = 0; repeat < 3; repeat++) {
      struct meet_context m = {.threads = pool_threads[p]};
      atomic_init(&m.arrived, 0);
      atomic_init(&m.timed_out, 0);
      pthreadpool_parallelize_1d(pool, meet, &m, pool_threads[p], 0);
      if (atomic_load(&m.timed_out)) {
        fail_msg("pool of %zu: its %zu items did not all run at the same time", pool_threads[p], pool_threads[p]);
      }
    }
    pthreadpool_destroy(pool);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_item_once),
      cmocka_unit_test(test_threads_count),
      cmocka_unit_test(test_items_run_concurrently),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
