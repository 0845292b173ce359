/* Serial stand-in for pthreadpool where none exists (WebAssembly): every task runs on the
 * calling thread, in order. A pool only remembers the thread count it was asked for. */
#include <stdlib.h>

#include <pthreadpool.h>

struct pthreadpool {
  size_t threads_count;
};

pthreadpool_t pthreadpool_create(size_t threads_count) {
  struct pthreadpool* pool = malloc(sizeof(struct pthreadpool));
  if (pool != NULL) {
    pool->threads_count = threads_count == 0 ? 1 : threads_count;
  }
  return pool;
}

size_t pthreadpool_get_threads_count(pthreadpool_t threadpool) {
  return threadpool == NULL ? 1 : threadpool->threads_count;
}

void pthreadpool_parallelize_1d(pthreadpool_t threadpool, pthreadpool_task_1d_t function, void* context,
                                size_t range, uint32_t flags) {
  (void) threadpool;
  (void) flags;
  for (size_t i = 0; i < range; i++) {
    function(context, i);
  }
}

void pthreadpool_parallelize_2d(pthreadpool_t threadpool, pthreadpool_task_2d_t function, void* context,
                                size_t range_i, size_t range_j, uint32_t flags) {
  (void) threadpool;
  (void) flags;
  for (size_t i = 0; i < range_i; i++) {
    for (size_t j = 0; j < range_j; j++) {
      function(context, i, j);
    }
  }
}

void pthreadpool_destroy(pthreadpool_t threadpool) {
  free(threadpool);
}
