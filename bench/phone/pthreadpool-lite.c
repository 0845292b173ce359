/*
 * A small thread pool implementing the part of pthreadpool's API that sprig uses, for the
 * static aarch64 (phone) build of sprig-bench ONLY (Debian ships pthreadpool for arm64 as a
 * shared library only). Compiled against Debian's <pthreadpool.h>.
 *
 * A pool of T threads is the caller plus T - 1 workers. A parallelize call publishes the job,
 * wakes the workers (they spin briefly, then sleep on a condition variable), and every thread
 * takes items from one atomic counter until none are left; the call returns when all are done.
 * Calls on one pool are serialized. Flags are accepted and ignored.
 * Provided: create, destroy, get_threads_count, parallelize_1d, _1d_tile_1d, _2d, _2d_tile_1d,
 * _2d_tile_2d.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include <pthreadpool.h>

#define SPIN_ITERATIONS 100000

struct job {
  void (*run)(const struct job* job, size_t item);
  void* function;  /* the task, cast back by run() */
  void* context;
  size_t range[2];
  size_t tile[2];
  size_t tiles_j;  /* tiles along the second dimension */
};

struct pthreadpool {
  size_t threads;
  pthread_t* workers;
  pthread_mutex_t call_mutex;   /* one parallelize call at a time */
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  pthread_cond_t done;
  atomic_uint_fast64_t generation;
  atomic_size_t next_item;
  atomic_size_t active_workers;
  size_t items;
  struct job job;
  bool stop;
};

static size_t min_size(size_t a, size_t b) {
  return a < b ? a : b;
}

static void run_items(struct pthreadpool* pool) {
  for (;;) {
    const size_t item = atomic_fetch_add(&pool->next_item, 1);
    if (item >= pool->items) {
      return;
    }
    pool->job.run(&pool->job, item);
  }
}

static uint_fast64_t wait_for_job(struct pthreadpool* pool, uint_fast64_t seen) {
  for (int spin = 0; spin < SPIN_ITERATIONS; spin++) {
    const uint_fast64_t now = atomic_load(&pool->generation);
    if (now != seen) {
      return now;
    }
  }
  pthread_mutex_lock(&pool->mutex);
  while (atomic_load(&pool->generation) == seen) {
    pthread_cond_wait(&pool->wake, &pool->mutex);
  }
  const uint_fast64_t now = atomic_load(&pool->generation);
  pthread_mutex_unlock(&pool->mutex);
  return now;
}

static void* worker_main(void* argument) {
  struct pthreadpool* pool = argument;
  uint_fast64_t seen = 0;
  for (;;) {
    seen = wait_for_job(pool, seen);
    if (pool->stop) {
      return NULL;
    }
    run_items(pool);
    if (atomic_fetch_sub(&pool->active_workers, 1) == 1) {
      pthread_mutex_lock(&pool->mutex);
      pthread_cond_signal(&pool->done);
      pthread_mutex_unlock(&pool->mutex);
    }
  }
}

static void wait_for_workers(struct pthreadpool* pool) {
  for (int spin = 0; spin < SPIN_ITERATIONS; spin++) {
    if (atomic_load(&pool->active_workers) == 0) {
      return;
    }
  }
  pthread_mutex_lock(&pool->mutex);
  while (atomic_load(&pool->active_workers) != 0) {
    pthread_cond_wait(&pool->done, &pool->mutex);
  }
  pthread_mutex_unlock(&pool->mutex);
}

static void execute(struct pthreadpool* pool, const struct job* job, size_t items) {
  if (pool == NULL || pool->threads == 1 || items <= 1) {
    for (size_t i = 0; i < items; i++) {
      job->run(job, i);
    }
    return;
  }
  pthread_mutex_lock(&pool->call_mutex);
  pool->job = *job;
  pool->items = items;
  atomic_store(&pool->next_item, 0);
  atomic_store(&pool->active_workers, pool->threads - 1);
  pthread_mutex_lock(&pool->mutex);
  atomic_fetch_add(&pool->generation, 1);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  run_items(pool);
  wait_for_workers(pool);
  pthread_mutex_unlock(&pool->call_mutex);
}

pthreadpool_t pthreadpool_create(size_t threads_count) {
  if (threads_count == 0) {
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    threads_count = online > 0 ? (size_t) online : 1;
  }
  struct pthreadpool* pool = calloc(1, sizeof(struct pthreadpool));
  if (pool == NULL) {
    return NULL;
  }
  pool->threads = threads_count;
  pthread_mutex_init(&pool->call_mutex, NULL);
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->wake, NULL);
  pthread_cond_init(&pool->done, NULL);
  pool->workers = calloc(threads_count, sizeof(pthread_t));
  size_t started = 0;
  while (pool->workers != NULL && started + 1 < threads_count &&
         pthread_create(&pool->workers[started], NULL, worker_main, pool) == 0) {
    started++;
  }
  pool->threads = started + 1;
  return pool;
}

size_t pthreadpool_get_threads_count(pthreadpool_t pool) {
  return pool == NULL ? 1 : pool->threads;
}

void pthreadpool_destroy(pthreadpool_t pool) {
  if (pool == NULL) {
    return;
  }
  pthread_mutex_lock(&pool->mutex);
  pool->stop = true;
  atomic_fetch_add(&pool->generation, 1);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  for (size_t i = 0; i + 1 < pool->threads; i++) {
    pthread_join(pool->workers[i], NULL);
  }
  pthread_mutex_destroy(&pool->call_mutex);
  pthread_mutex_destroy(&pool->mutex);
  pthread_cond_destroy(&pool->wake);
  pthread_cond_destroy(&pool->done);
  free(pool->workers);
  free(pool);
}

/* ---- job shapes ---- */

static void run_1d(const struct job* job, size_t item) {
  ((pthreadpool_task_1d_t) job->function)(job->context, item);
}

static void run_1d_tile_1d(const struct job* job, size_t item) {
  const size_t start = item * job->tile[0];
  ((pthreadpool_task_1d_tile_1d_t) job->function)(job->context, start, min_size(job->tile[0], job->range[0] - start));
}

static void run_2d(const struct job* job, size_t item) {
  ((pthreadpool_task_2d_t) job->function)(job->context, item / job->range[1], item % job->range[1]);
}

static void run_2d_tile_1d(const struct job* job, size_t item) {
  const size_t i = item / job->tiles_j;
  const size_t start_j = (item % job->tiles_j) * job->tile[1];
  ((pthreadpool_task_2d_tile_1d_t) job->function)(job->context, i, start_j,
                                                  min_size(job->tile[1], job->range[1] - start_j));
}

static void run_2d_tile_2d(const struct job* job, size_t item) {
  const size_t start_i = (item / job->tiles_j) * job->tile[0];
  const size_t start_j = (item % job->tiles_j) * job->tile[1];
  ((pthreadpool_task_2d_tile_2d_t) job->function)(job->context, start_i, start_j,
                                                  min_size(job->tile[0], job->range[0] - start_i),
                                                  min_size(job->tile[1], job->range[1] - start_j));
}

static size_t tiles(size_t range, size_t tile) {
  return range / tile + (range % tile != 0);
}

void pthreadpool_parallelize_1d(pthreadpool_t pool, pthreadpool_task_1d_t function, void* context, size_t range,
                                uint32_t flags) {
  (void) flags;
  const struct job job = {run_1d, (void*) function, context, {range, 1}, {1, 1}, 1};
  execute(pool, &job, range);
}

void pthreadpool_parallelize_1d_tile_1d(pthreadpool_t pool, pthreadpool_task_1d_tile_1d_t function, void* context,
                                        size_t range, size_t tile, uint32_t flags) {
  (void) flags;
  const struct job job = {run_1d_tile_1d, (void*) function, context, {range, 1}, {tile, 1}, 1};
  execute(pool, &job, tiles(range, tile));
}

void pthreadpool_parallelize_2d(pthreadpool_t pool, pthreadpool_task_2d_t function, void* context, size_t range_i,
                                size_t range_j, uint32_t flags) {
  (void) flags;
  const struct job job = {run_2d, (void*) function, context, {range_i, range_j}, {1, 1}, range_j};
  execute(pool, &job, range_i * range_j);
}

void pthreadpool_parallelize_2d_tile_1d(pthreadpool_t pool, pthreadpool_task_2d_tile_1d_t function, void* context,
                                        size_t range_i, size_t range_j, size_t tile_j, uint32_t flags) {
  (void) flags;
  const size_t tiles_j = tiles(range_j, tile_j);
  const struct job job = {run_2d_tile_1d, (void*) function, context, {range_i, range_j}, {1, tile_j}, tiles_j};
  execute(pool, &job, range_i * tiles_j);
}

void pthreadpool_parallelize_2d_tile_2d(pthreadpool_t pool, pthreadpool_task_2d_tile_2d_t function, void* context,
                                        size_t range_i, size_t range_j, size_t tile_i, size_t tile_j,
                                        uint32_t flags) {
  (void) flags;
  const size_t tiles_j = tiles(range_j, tile_j);
  const struct job job = {run_2d_tile_2d, (void*) function, context, {range_i, range_j}, {tile_i, tile_j}, tiles_j};
  execute(pool, &job, tiles(range_i, tile_i) * tiles_j);
}
