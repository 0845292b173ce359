#include "stream.h"

#include <stdlib.h>

#include <sprig/weights.h>

int bench_kernel_stream_build(const float* weights, size_t n, size_t k, size_t nr, struct bench_kernel_stream* s) {
  *s = (struct bench_kernel_stream){0};
  sprig_weights_t csr = NULL;
  if (sprig_pack_weights_f32(n, k, weights, NULL, 0, &csr) != sprig_status_success) {
    return -1;
  }
  const enum sprig_status status = sprig_build_spmm_stream(csr, nr, &s->packed);
  sprig_release_weights(csr);
  if (status != sprig_status_success) {
    return -1;
  }
  s->first_row = s->packed.first_row;
  return 0;
}

void bench_kernel_stream_free(struct bench_kernel_stream* s) {
  sprig_free_spmm_stream(&s->packed);
  *s = (struct bench_kernel_stream){0};
}

int bench_nm_stream_build(const float* weights, size_t channels, size_t k, size_t n, size_t m,
                          struct bench_nm_stream* s) {
  *s = (struct bench_nm_stream){0};
  const struct sprig_sparsity pattern = {.format = SPRIG_FORMAT_NM, .n = (uint32_t) n, .m = (uint32_t) m};
  if (sprig_pack_weights_f32(channels, k, weights, &pattern, 0, &s->packed) != sprig_status_success) {
    return -1;
  }
  s->weights = s->packed->nm_values;
  s->groups = s->packed->nm_groups;
  s->n = n;
  s->m = m;
  s->indices = s->packed->nm_indices;
  return 0;
}

void bench_nm_stream_free(struct bench_nm_stream* s) {
  sprig_release_weights(s->packed);
  *s = (struct bench_nm_stream){0};
}
