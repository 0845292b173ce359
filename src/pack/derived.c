/* Data derived from packed weights for the kernels (SpMM streams, row block counts, sliced
 * layouts; the qs8 c4, term and quartet streams are built in src/pack/qs8.c, qs8-terms.c and
 * qs8-quartets.c, counted and freed here): built by the first operator that needs it, then shared, immutable, by every
 * operator of the weights.
 * Two threads may build the same item at once; one compare-and-swap publishes the first, and
 * the loser frees its copy and uses the published one. */
#include <stdlib.h>

#include <sprig.h>
#include <sprig/common.h>
#include <sprig/f16-stream.h>
#include <sprig/qs8-stream.h>
#include <sprig/qs8-quartets.h>
#include <sprig/qs8-terms.h>
#include <sprig/qs8-sellmv.h>
#include <sprig/sellmv.h>
#include <sprig/stream.h>
#include <sprig/weights.h>

static size_t stream_kind(size_t nr) {
  return nr >= 4 ? 2 : nr - 1;
}

/* Builds the stream from CSR weights, or from a CSR view of BLOCK / GROUP weights. */
static struct sprig_spmm_stream* build_stream(const struct sprig_weights* w, size_t nr) {
  struct sprig_weights* view = NULL;
  if (w->pattern.format == SPRIG_FORMAT_BLOCK || w->pattern.format == SPRIG_FORMAT_GROUP) {
    view = sprig_block_weights_as_csr(w);
    if (view == NULL) {
      return NULL;
    }
  }
  struct sprig_spmm_stream* stream = calloc(1, sizeof(struct sprig_spmm_stream));
  if (stream != NULL && sprig_build_spmm_stream(view != NULL ? view : w, nr, stream) != sprig_status_success) {
    free(stream);
    stream = NULL;
  }
  sprig_release_weights(view);
  return stream;
}

static void free_stream(struct sprig_spmm_stream* stream) {
  if (stream != NULL) {
    sprig_free_spmm_stream(stream);
    free(stream);
  }
}

SPRIG_DEFINE_PUBLISH(publish_stream, struct sprig_spmm_stream, free_stream)
SPRIG_DEFINE_PUBLISH(publish_counts, uint32_t, free)
SPRIG_DEFINE_PUBLISH(publish_sell, struct sprig_sell, sprig_free_sell)
SPRIG_DEFINE_PUBLISH(publish_qs8_sell, struct sprig_qs8_sell, sprig_free_qs8_sell)

const struct sprig_spmm_stream* sprig_weights_spmm_stream(struct sprig_weights* w, size_t nr) {
  _Atomic(struct sprig_spmm_stream*)* slot = &w->spmm_streams[stream_kind(nr)];
  struct sprig_spmm_stream* published = atomic_load_explicit(slot, memory_order_acquire);
  if (published != NULL) {
    return published;
  }
  struct sprig_spmm_stream* built = build_stream(w, nr);
  return built != NULL ? publish_stream(slot, built) : NULL;
}

const uint32_t* sprig_weights_row_block_counts(struct sprig_weights* w) {
  uint32_t* published = atomic_load_explicit(&w->row_block_counts, memory_order_acquire);
  if (published != NULL) {
    return published;
  }
  uint32_t* built = malloc(SPRIG_MAX(w->rows, 1) * sizeof(uint32_t));
  if (built == NULL) {
    return NULL;
  }
  for (size_t r = 0; r < w->rows; r++) {
    built[r] = sprig_block_row_count(w, r); /* 1 x C: block row r is row r */
  }
  return publish_counts(&w->row_block_counts, built);
}

static size_t sell_kind(size_t c) {
  return c >= 16 ? 1 : 0;
}

const struct sprig_sell* sprig_weights_sell(struct sprig_weights* w, size_t c) {
  _Atomic(struct sprig_sell*)* slot = &w->sells[sell_kind(c)];
  struct sprig_sell* published = atomic_load_explicit(slot, memory_order_acquire);
  if (published != NULL) {
    return published;
  }
  struct sprig_sell* built = sprig_build_sell(w, c);
  return built != NULL ? publish_sell(slot, built) : NULL;
}

const struct sprig_sell* sprig_weights_usable_sell(struct sprig_weights* w, size_t c, bool* usable) {
  _Atomic(struct sprig_sell*)* slot = &w->sells[sell_kind(c)];
  struct sprig_sell* published = atomic_load_explicit(slot, memory_order_acquire);
  if (published != NULL) {
    *usable = true;
    return published;
  }
  struct sprig_sell* built = sprig_build_usable_sell(w, c, usable);
  return built != NULL ? publish_sell(slot, built) : NULL;
}

const struct sprig_sell* sprig_weights_windowed_sell(struct sprig_weights* w, size_t c, size_t q, bool* usable) {
  /* One kind: a build's windowed kernels share c and q (tests/f32-sellmv.c checks). */
  _Atomic(struct sprig_sell*)* slot = &w->sells[2];
  struct sprig_sell* published = atomic_load_explicit(slot, memory_order_acquire);
  if (published != NULL) {
    *usable = true;
    return published;
  }
  struct sprig_sell* built = sprig_build_usable_windowed_sell(w, c, q, usable);
  return built != NULL ? publish_sell(slot, built) : NULL;
}

const struct sprig_qs8_sell* sprig_weights_qs8_sell(struct sprig_weights* w, size_t c, size_t window_quads) {
  /* One windowed kind: only 16-row kernels read it, all with the same window. */
  _Atomic(struct sprig_qs8_sell*)* slot = &w->qs8_sells[window_quads != 0 ? 2 : sell_kind(c)];
  struct sprig_qs8_sell* published = atomic_load_explicit(slot, memory_order_acquire);
  if (published != NULL) {
    return published;
  }
  const struct sprig_qs8_stream* stream = sprig_weights_qs8_stream(w);
  struct sprig_qs8_sell* built = stream != NULL ? sprig_build_qs8_sell(stream, c, window_quads) : NULL;
  return built != NULL ? publish_qs8_sell(slot, built) : NULL;
}

size_t sprig_weights_derived_bytes(const struct sprig_weights* w) {
  size_t bytes = 0;
  for (size_t k = 0; k < SPRIG_SPMM_STREAM_KINDS; k++) {
    const struct sprig_spmm_stream* s =
        atomic_load_explicit((_Atomic(struct sprig_spmm_stream*)*) &w->spmm_streams[k], memory_order_acquire);
    bytes += s != NULL ? sprig_spmm_stream_bytes(s) : 0;
  }
  if (atomic_load_explicit((_Atomic(uint32_t*)*) &w->row_block_counts, memory_order_acquire) != NULL) {
    bytes += w->rows * sizeof(uint32_t);
  }
  const struct sprig_qs8_stream* q =
      atomic_load_explicit((_Atomic(struct sprig_qs8_stream*)*) &w->qs8_stream, memory_order_acquire);
  bytes += q != NULL ? sprig_qs8_stream_bytes(q) : 0;
  const struct sprig_qs8_terms* terms =
      atomic_load_explicit((_Atomic(struct sprig_qs8_terms*)*) &w->qs8_terms, memory_order_acquire);
  bytes += terms != NULL ? sprig_qs8_terms_bytes(terms) : 0;
  const struct sprig_qs8_quartets* quartets =
      atomic_load_explicit((_Atomic(struct sprig_qs8_quartets*)*) &w->qs8_quartets, memory_order_acquire);
  bytes += quartets != NULL ? sprig_qs8_quartets_bytes(quartets) : 0;
  const struct sprig_f16_stream* h =
      atomic_load_explicit((_Atomic(struct sprig_f16_stream*)*) &w->f16_stream, memory_order_acquire);
  bytes += h != NULL ? sprig_f16_stream_bytes(h) : 0;
  const struct sprig_weights* view =
      atomic_load_explicit((_Atomic(struct sprig_weights*)*) &w->f16_float_view, memory_order_acquire);
  bytes += view != NULL ? sprig_packed_bytes(view) + sprig_weights_derived_bytes(view) : 0;
  const struct sprig_f16_wide_blocks* wide_blocks =
      atomic_load_explicit((_Atomic(struct sprig_f16_wide_blocks*)*) &w->f16_wide_blocks, memory_order_acquire);
  bytes += wide_blocks != NULL ? sprig_f16_wide_blocks_bytes(wide_blocks, w->block_width) : 0;
  for (size_t k = 0; k < SPRIG_SELL_KINDS; k++) {
    const struct sprig_sell* sell =
        atomic_load_explicit((_Atomic(struct sprig_sell*)*) &w->sells[k], memory_order_acquire);
    bytes += sell != NULL ? sprig_sell_bytes(sell) : 0;
  }
  for (size_t k = 0; k < SPRIG_QS8_SELL_KINDS; k++) {
    const struct sprig_qs8_sell* qs8_sell =
        atomic_load_explicit((_Atomic(struct sprig_qs8_sell*)*) &w->qs8_sells[k], memory_order_acquire);
    bytes += qs8_sell != NULL ? sprig_qs8_sell_bytes(qs8_sell) : 0;
  }
  return bytes;
}

void sprig_free_derived(struct sprig_weights* w) {
  for (size_t k = 0; k < SPRIG_SPMM_STREAM_KINDS; k++) {
    free_stream(atomic_load_explicit(&w->spmm_streams[k], memory_order_acquire));
  }
  free(atomic_load_explicit(&w->row_block_counts, memory_order_acquire));
  sprig_free_qs8_stream(atomic_load_explicit(&w->qs8_stream, memory_order_acquire));
  sprig_free_qs8_terms(atomic_load_explicit(&w->qs8_terms, memory_order_acquire));
  sprig_free_qs8_quartets(atomic_load_explicit(&w->qs8_quartets, memory_order_acquire));
  sprig_free_f16_stream(atomic_load_explicit(&w->f16_stream, memory_order_acquire));
  sprig_release_weights(atomic_load_explicit(&w->f16_float_view, memory_order_acquire));
  sprig_free_f16_wide_blocks(atomic_load_explicit(&w->f16_wide_blocks, memory_order_acquire));
  for (size_t k = 0; k < SPRIG_SELL_KINDS; k++) {
    sprig_free_sell(atomic_load_explicit(&w->sells[k], memory_order_acquire));
  }
  for (size_t k = 0; k < SPRIG_QS8_SELL_KINDS; k++) {
    sprig_free_qs8_sell(atomic_load_explicit(&w->qs8_sells[k], memory_order_acquire));
  }
}
