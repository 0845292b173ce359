/*
 * Threaded stand-in for pthreadpool in the threaded WebAssembly build (SPRIG_WASM_THREADS:
 * emscripten pthreads, shared memory). Debian ships no pthreadpool built for wasm, so this is
 * the smallest pool that implements the part of pthreadpool's API sprig, its tests and its bench
 * use (src/compat/pthreadpool.h): create, destroy, get_threads_count, parallelize_1d and
 * parallelize_2d, with pthreadpool's semantics:
 *   - pthreadpool_create(T) makes a pool of T threads: the calling thread plus T - 1 workers;
 *     T = 0 means one per logical core (navigator.hardwareConcurrency in a browser, os.cpus()
 *     under node: emscripten_num_logical_cores()). A worker that cannot be started makes the
 *     pool smaller; get_threads_count tells what it got.
 *   - a parallelize call runs function once per item (i, or (i, j) in row-major order) on the
 *     caller and the workers, which take items dynamically from one atomic counter, and returns
 *     when every item is done. Calls on one pool are serialized; a NULL pool, a one-thread pool
 *     or a single item runs serially on the caller, in order. Flags are accepted and ignored
 *     (PTHREADPOOL_FLAG_DISABLE_DENORMALS means nothing in wasm).
 * Idle workers spin briefly for the next call, then sleep on a condition variable. A worker
 * that wakes after every item of a call was taken does not delay the call's return (see
 * `state`), which matters where threads wait for a CPU (a loaded machine, a busy browser).
 *
 * This is a minimal stand-in, not pthreadpool (no tiled variants, no work stealing, no
 * denormal control): sprig only calls the functions above, so a real pthreadpool built for wasm
 * with -pthread can replace this file (and src/compat/pthreadpool.h) unchanged.
 *
 * Emscripten: each worker is a Web Worker, and a Worker started from the main browser thread (or
 * node's main thread) only runs once that thread returns to the JS event loop. A pool created
 * and used on such a thread therefore needs Workers prewarmed at start-up (-sPTHREAD_POOL_SIZE=N,
 * N >= the workers of all live pools), or main() in a pthread (-sPROXY_TO_PTHREAD), or sprig
 * called from a Worker; otherwise the first parallelize call waits for workers that never start
 * (checked under node 20). The tests and the bench use -sPROXY_TO_PTHREAD -sPTHREAD_POOL_SIZE=4.
 *
 * Also compiles natively (POSIX threads and C11 atomics), so a sanitizer can check it.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#if defined(__EMSCRIPTEN__)
#include <emscripten/threading.h>
#else
#include <unistd.h>
#endif

#include <pthreadpool.h>

/* Polls before a thread sleeps: an idle worker polling for the next job, the caller polling for
 * the last worker to leave a job. A few tens of microseconds: enough to bridge the gap between
 * the parallel steps of an operator and between the layers of a network. */
#define SPRIG_POOL_SPINS 20000
/* Worker stacks: sprig's tasks keep only small arrays on the stack. */
#define SPRIG_POOL_STACK_BYTES (256 * 1024)

/* One parallelize call: the task and how an item number becomes its arguments. */
struct job {
  void (*run_item)(const struct job* job, size_t item);
  void (*function)(void); /* the task, cast back by run_item (function pointer casts are portable) */
  void* context;
  size_t range_j;
  size_t items;
};

/* The job word `state`: the epoch in the high 32 bits, the number of workers inside the job in
 * the low 32. Odd epochs are open jobs, even ones closed. A worker enters a job only while it is
 * open (a compare-and-swap on the whole word), so the caller, once every item is taken, waits for
 * the workers that entered and not for those that were still asleep or descheduled: it closes
 * the job when none is inside. */
struct pthreadpool {
  size_t threads; /* caller + started workers */
  pthread_t* workers;
  pthread_mutex_t call_lock; /* one parallelize call at a time */
  pthread_mutex_t lock;      /* guards the sleeps below */
  pthread_cond_t job_posted;
  pthread_cond_t job_finished;
  /* The current job: written by the caller while the job is closed, read by the workers inside. */
  struct job job;
  atomic_size_t next_item;
  atomic_uint_least64_t state;
  uint32_t epoch; /* the caller's copy of the current (closed) epoch */
  atomic_bool stopping;
};

#define STATE_EPOCH(state) ((uint32_t) ((state) >> 32))
#define STATE_INSIDE(state) ((uint32_t) (state))
#define STATE(epoch) ((uint_least64_t) (epoch) << 32)

static void run_item_1d(const struct job* job, size_t item) {
  ((pthreadpool_task_1d_t) job->function)(job->context, item);
}

static void run_item_2d(const struct job* job, size_t item) {
  ((pthreadpool_task_2d_t) job->function)(job->context, item / job->range_j, item % job->range_j);
}

/* Takes items until none is left (the caller and the workers inside run this). */
static void take_items(struct pthreadpool* pool) {
  const struct job* job = &pool->job;
  for (;;) {
    const size_t item = atomic_fetch_add_explicit(&pool->next_item, 1, memory_order_relaxed);
    if (item >= job->items) {
      return;
    }
    job->run_item(job, item);
  }
}

/* Waits until the epoch differs from `seen`; returns the new one. */
static uint32_t wait_for_epoch(struct pthreadpool* pool, uint32_t seen) {
  for (int spin = 0; spin < SPRIG_POOL_SPINS; spin++) {
    const uint32_t now = STATE_EPOCH(atomic_load_explicit(&pool->state, memory_order_acquire));
    if (now != seen) {
      return now;
    }
  }
  pthread_mutex_lock(&pool->lock);
  uint32_t now;
  while ((now = STATE_EPOCH(atomic_load_explicit(&pool->state, memory_order_acquire))) == seen) {
    pthread_cond_wait(&pool->job_posted, &pool->lock);
  }
  pthread_mutex_unlock(&pool->lock);
  return now;
}

/* Enters the job of `epoch` if it is still open. */
static bool enter_job(struct pthreadpool* pool, uint32_t epoch) {
  uint_least64_t state = atomic_load_explicit(&pool->state, memory_order_relaxed);
  while (STATE_EPOCH(state) == epoch) {
    if (atomic_compare_exchange_weak_explicit(&pool->state, &state, state + 1, memory_order_acquire,
                                              memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

static void leave_job(struct pthreadpool* pool) {
  if (STATE_INSIDE(atomic_fetch_sub_explicit(&pool->state, 1, memory_order_release)) == 1) {
    pthread_mutex_lock(&pool->lock);
    pthread_cond_signal(&pool->job_finished);
    pthread_mutex_unlock(&pool->lock);
  }
}

static void* worker_main(void* argument) {
  struct pthreadpool* pool = argument;
  uint32_t seen = 0;
  for (;;) {
    seen = wait_for_epoch(pool, seen);
    if (atomic_load_explicit(&pool->stopping, memory_order_acquire)) {
      return NULL;
    }
    if ((seen & 1) != 0 && enter_job(pool, seen)) {
      take_items(pool);
      leave_job(pool);
    }
  }
}

/* Closes the open job if no worker is inside. */
static bool try_close_job(struct pthreadpool* pool, uint32_t closed_epoch) {
  uint_least64_t state = atomic_load_explicit(&pool->state, memory_order_relaxed);
  while (STATE_INSIDE(state) == 0) {
    if (atomic_compare_exchange_weak_explicit(&pool->state, &state, STATE(closed_epoch), memory_order_acquire,
                                              memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

static void run_job(struct pthreadpool* pool, const struct job* job) {
  if (pool == NULL || pool->threads <= 1 || job->items <= 1) {
    for (size_t item = 0; item < job->items; item++) {
      job->run_item(job, item);
    }
    return;
  }
  pthread_mutex_lock(&pool->call_lock);
  pool->job = *job;
  atomic_store_explicit(&pool->next_item, 0, memory_order_relaxed);
  const uint32_t open_epoch = pool->epoch + 1, closed_epoch = pool->epoch + 2;
  pthread_mutex_lock(&pool->lock);
  atomic_store_explicit(&pool->state, STATE(open_epoch), memory_order_release);
  pthread_cond_broadcast(&pool->job_posted);
  pthread_mutex_unlock(&pool->lock);
  take_items(pool);
  /* Every item is taken; once no worker is inside, every item is done. */
  bool closed = false;
  for (int spin = 0; spin < SPRIG_POOL_SPINS && !closed; spin++) {
    closed = try_close_job(pool, closed_epoch);
  }
  if (!closed) {
    pthread_mutex_lock(&pool->lock);
    while (!try_close_job(pool, closed_epoch)) {
      pthread_cond_wait(&pool->job_finished, &pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
  }
  pool->epoch = closed_epoch;
  pthread_mutex_unlock(&pool->call_lock);
}

static size_t logical_cores(void) {
#if defined(__EMSCRIPTEN__)
  const int cores = emscripten_num_logical_cores();
#else
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
#endif
  return cores > 0 ? (size_t) cores : 1;
}

pthreadpool_t pthreadpool_create(size_t threads_count) {
  if (threads_count == 0) {
    threads_count = logical_cores();
  }
  struct pthreadpool* pool = calloc(1, sizeof(struct pthreadpool));
  if (pool == NULL) {
    return NULL;
  }
  if (threads_count > 1) {
    pool->workers = calloc(threads_count - 1, sizeof(pthread_t));
    if (pool->workers == NULL) {
      free(pool);
      return NULL;
    }
  }
  pthread_mutex_init(&pool->call_lock, NULL);
  pthread_mutex_init(&pool->lock, NULL);
  pthread_cond_init(&pool->job_posted, NULL);
  pthread_cond_init(&pool->job_finished, NULL);
  atomic_init(&pool->next_item, 0);
  atomic_init(&pool->state, STATE(0));
  atomic_init(&pool->stopping, false);

  pthread_attr_t attr;
  const bool have_attr = pthread_attr_init(&attr) == 0;
  if (have_attr) {
    pthread_attr_setstacksize(&attr, SPRIG_POOL_STACK_BYTES);
  }
  size_t started = 0;
  while (started + 1 < threads_count &&
         pthread_create(&pool->workers[started], have_attr ? &attr : NULL, worker_main, pool) == 0) {
    started++;
  }
  if (have_attr) {
    pthread_attr_destroy(&attr);
  }
  pool->threads = started + 1;
  return pool;
}

size_t pthreadpool_get_threads_count(pthreadpool_t threadpool) {
  return threadpool == NULL ? 1 : threadpool->threads;
}

void pthreadpool_parallelize_1d(pthreadpool_t threadpool, pthreadpool_task_1d_t function, void* context,
                                size_t range, uint32_t flags) {
  (void) flags;
  const struct job job = {run_item_1d, (void (*)(void)) function, context, 1, range};
  run_job(threadpool, &job);
}

void pthreadpool_parallelize_2d(pthreadpool_t threadpool, pthreadpool_task_2d_t function, void* context,
                                size_t range_i, size_t range_j, uint32_t flags) {
  (void) flags;
  if (range_i == 0 || range_j == 0) {
    return;
  }
  const struct job job = {run_item_2d, (void (*)(void)) function, context, range_j, range_i * range_j};
  run_job(threadpool, &job);
}

void pthreadpool_destroy(pthreadpool_t threadpool) {
  struct pthreadpool* pool = threadpool;
  if (pool == NULL) {
    return;
  }
  pthread_mutex_lock(&pool->lock);
  atomic_store_explicit(&pool->stopping, true, memory_order_release);
  atomic_store_explicit(&pool->state, STATE(pool->epoch + 2), memory_order_release);
  pthread_cond_broadcast(&pool->job_posted);
  pthread_mutex_unlock(&pool->lock);
  for (size_t i = 0; i + 1 < pool->threads; i++) {
    pthread_join(pool->workers[i], NULL);
  }
  pthread_mutex_destroy(&pool->call_lock);
  pthread_mutex_destroy(&pool->lock);
  pthread_cond_destroy(&pool->job_posted);
  pthread_cond_destroy(&pool->job_finished);
  free(pool->workers);
  free(pool);
}
