/* The term stream of qs8 weights (src/sprig/qs8-terms.h): each chunk of a row's c4 entries
 * sorted by what its multiply needs (src/sprig/qs8-spmm.h, the term layout). Entries with a
 * single nonzero, in channel 0 or 2 (1 or 3), are "low" or "high" singles of their parity; the
 * i-th low and i-th high single of a parity make one pair term, the rest become even / odd
 * terms with a zero half. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/qs8-stream.h>
#include <sprig/qs8-terms.h>

#define CHUNK SPRIG_QS8_TERMS_CHUNK_ENTRIES

static uint32_t weight_pair(int32_t lo, int32_t hi) {
  return (uint32_t) (uint16_t) (int16_t) lo | (uint32_t) (uint16_t) (int16_t) hi << 16;
}

/* The singles of one chunk: [parity + 2 x high], in entry order. */
struct singles {
  uint32_t count[4];
  uint32_t quad[4][CHUNK];
  int8_t weight[4][CHUNK];
};

/* Sorts `entries` (<= CHUNK) entries into *chunk's counts and, when words is not NULL, their
 * terms at words; returns the words written (or that would be). */
static size_t sort_chunk(const int8_t* weights, const uint32_t* quads, size_t entries,
                         struct sprig_qs8_term_chunk* chunk, uint32_t* words) {
  struct singles s;
  memset(s.count, 0, sizeof(s.count));
  uint32_t count[SPRIG_QS8_TERM_KINDS] = {0, 0, 0, 0, 0};
  /* Even and odd terms of two weights, and mixed ones, go to words after the pairs: counted
   * first, written in a second pass below. */
  for (size_t e = 0; e < entries; e++) {
    const int8_t* w = weights + 4 * e;
    const bool even = (w[0] | w[2]) != 0, odd = (w[1] | w[3]) != 0;
    if (even && odd) {
      count[sprig_qs8_term_mixed]++;
    } else if (even || odd) {
      const size_t parity = odd ? 1 : 0;
      const int8_t lo = w[parity], hi = w[parity + 2];
      if (lo == 0 || hi == 0) {
        const size_t list = parity + (lo == 0 ? 2 : 0);
        s.quad[list][s.count[list]] = quads[e];
        s.weight[list][s.count[list]++] = lo != 0 ? lo : hi;
      } else {
        count[sprig_qs8_term_even + parity]++;
      }
    }
  }
  for (size_t parity = 0; parity < 2; parity++) {
    const uint32_t lows = s.count[parity], highs = s.count[parity + 2];
    const uint32_t pairs = SPRIG_MIN(lows, highs);
    count[sprig_qs8_term_pair_even + parity] = pairs;
    count[sprig_qs8_term_even + parity] += lows + highs - 2 * pairs;
  }
  for (size_t k = 0; k < SPRIG_QS8_TERM_KINDS; k++) {
    chunk->count[k] = (uint8_t) count[k];
  }
  chunk->last = 0;
  const size_t total = sprig_qs8_term_chunk_words(chunk);
  if (words == NULL) {
    return total;
  }
  /* Where each kind's next term goes. */
  uint32_t* at[SPRIG_QS8_TERM_KINDS];
  at[sprig_qs8_term_pair_even] = words;
  at[sprig_qs8_term_pair_odd] = at[sprig_qs8_term_pair_even] + 3 * count[sprig_qs8_term_pair_even];
  at[sprig_qs8_term_even] = at[sprig_qs8_term_pair_odd] + 3 * count[sprig_qs8_term_pair_odd];
  at[sprig_qs8_term_odd] = at[sprig_qs8_term_even] + 2 * count[sprig_qs8_term_even];
  at[sprig_qs8_term_mixed] = at[sprig_qs8_term_odd] + 2 * count[sprig_qs8_term_odd];
  for (size_t e = 0; e < entries; e++) {
    const int8_t* w = weights + 4 * e;
    const bool even = (w[0] | w[2]) != 0, odd = (w[1] | w[3]) != 0;
    if (even && odd) {
      uint32_t* t = at[sprig_qs8_term_mixed];
      t[0] = quads[e];
      t[1] = weight_pair(w[0], w[2]);
      t[2] = weight_pair(w[1], w[3]);
      at[sprig_qs8_term_mixed] += 3;
    } else if ((even || odd) && w[odd ? 1 : 0] != 0 && w[odd ? 3 : 2] != 0) {
      const size_t parity = odd ? 1 : 0;
      uint32_t* t = at[sprig_qs8_term_even + parity];
      t[0] = quads[e];
      t[1] = weight_pair(w[parity], w[parity + 2]);
      at[sprig_qs8_term_even + parity] += 2;
    }
  }
  for (size_t parity = 0; parity < 2; parity++) {
    const uint32_t lows = s.count[parity], highs = s.count[parity + 2];
    const uint32_t pairs = SPRIG_MIN(lows, highs);
    uint32_t* p = at[sprig_qs8_term_pair_even + parity];
    for (uint32_t i = 0; i < pairs; i++, p += 3) {
      p[0] = s.quad[parity][i];
      p[1] = s.quad[parity + 2][i];
      p[2] = weight_pair(s.weight[parity][i], s.weight[parity + 2][i]);
    }
    uint32_t* t = at[sprig_qs8_term_even + parity];
    for (uint32_t i = pairs; i < lows; i++, t += 2) {
      t[0] = s.quad[parity][i];
      t[1] = weight_pair(s.weight[parity][i], 0);
    }
    for (uint32_t i = pairs; i < highs; i++, t += 2) {
      t[0] = s.quad[parity + 2][i];
      t[1] = weight_pair(0, s.weight[parity + 2][i]);
    }
    at[sprig_qs8_term_even + parity] = t;
  }
  return total;
}

/* Every chunk of every row: counts only (terms->words NULL) or written. */
static void sort_rows(const struct sprig_qs8_stream* stream, struct sprig_qs8_terms* terms) {
  size_t c = 0, word = 0;
  struct sprig_qs8_term_chunk scratch;
  for (size_t r = 0; r < stream->rows; r++) {
    terms->first_chunk[r] = c;
    terms->first_word[r] = word;
    size_t e = stream->first_entry[r];
    const size_t end = e + stream->nnz[r];
    do {
      const size_t entries = SPRIG_MIN(end - e, (size_t) CHUNK);
      struct sprig_qs8_term_chunk* chunk = terms->words != NULL ? &terms->chunks[c] : &scratch;
      word += sort_chunk(stream->weights + 4 * e, stream->quads + e, entries, chunk,
                         terms->words != NULL ? terms->words + word : NULL);
      chunk->last = (uint8_t) (e + entries == end);
      e += entries;
      c++;
    } while (e < end);
  }
  terms->first_chunk[stream->rows] = c;
  terms->first_word[stream->rows] = word;
  terms->chunk_count = c;
  terms->word_count = word;
}

struct sprig_qs8_terms* sprig_build_qs8_terms(const struct sprig_qs8_stream* stream) {
  struct sprig_qs8_terms* t = calloc(1, sizeof(struct sprig_qs8_terms));
  if (t == NULL) {
    return NULL;
  }
  t->rows = stream->rows;
  t->first_chunk = malloc((stream->rows + 1) * sizeof(size_t));
  t->first_word = malloc((stream->rows + 1) * sizeof(size_t));
  if (t->first_chunk == NULL || t->first_word == NULL) {
    goto fail;
  }
  sort_rows(stream, t);
  t->chunks = malloc(SPRIG_MAX(t->chunk_count, 1) * sizeof(struct sprig_qs8_term_chunk));
  t->words = malloc(SPRIG_MAX(t->word_count, 1) * sizeof(uint32_t));
  if (t->chunks == NULL || t->words == NULL) {
    goto fail;
  }
  sort_rows(stream, t);
  return t;

fail:
  sprig_free_qs8_terms(t);
  return NULL;
}

void sprig_free_qs8_terms(struct sprig_qs8_terms* t) {
  if (t != NULL) {
    free(t->chunks);
    free(t->words);
    free(t->first_chunk);
    free(t->first_word);
    free(t);
  }
}

size_t sprig_qs8_terms_bytes(const struct sprig_qs8_terms* t) {
  return t->chunk_count * sizeof(struct sprig_qs8_term_chunk) + t->word_count * sizeof(uint32_t) +
         2 * (t->rows + 1) * sizeof(size_t);
}

SPRIG_DEFINE_PUBLISH(publish_terms, struct sprig_qs8_terms, sprig_free_qs8_terms)

const struct sprig_qs8_terms* sprig_weights_qs8_terms(struct sprig_weights* w) {
  struct sprig_qs8_terms* published = atomic_load_explicit(&w->qs8_terms, memory_order_acquire);
  if (published != NULL) {
    return published;
  }
  const struct sprig_qs8_stream* stream = sprig_weights_qs8_stream(w);
  struct sprig_qs8_terms* built = stream != NULL ? sprig_build_qs8_terms(stream) : NULL;
  return built != NULL ? publish_terms(&w->qs8_terms, built) : NULL;
}
