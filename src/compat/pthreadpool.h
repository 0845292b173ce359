/*
 * The subset of pthreadpool's API sprig uses, for builds without pthreadpool (WebAssembly).
 * src/threadpool-serial.c implements it serially on the calling thread; with SPRIG_WASM_THREADS,
 * src/threadpool-wasm.c implements it on emscripten pthreads (the caller plus T - 1 workers).
 */
#ifndef SPRIG_COMPAT_PTHREADPOOL_H
#define SPRIG_COMPAT_PTHREADPOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pthreadpool* pthreadpool_t;
typedef void (*pthreadpool_task_1d_t)(void*, size_t);
typedef void (*pthreadpool_task_2d_t)(void*, size_t, size_t);

pthreadpool_t pthreadpool_create(size_t threads_count);
size_t pthreadpool_get_threads_count(pthreadpool_t threadpool);
void pthreadpool_parallelize_1d(pthreadpool_t threadpool, pthreadpool_task_1d_t function, void* context,
                                size_t range, uint32_t flags);
void pthreadpool_parallelize_2d(pthreadpool_t threadpool, pthreadpool_task_2d_t function, void* context,
                                size_t range_i, size_t range_j, uint32_t flags);
void pthreadpool_destroy(pthreadpool_t threadpool);

#ifdef __cplusplus
}
#endif

#endif /* SPRIG_COMPAT_PTHREADPOOL_H */
