/* Shared by the libFuzzer targets (fuzz/README.md): a reader that turns the fuzzer's bytes into
 * bounded fields (0 once the bytes run out), sprig's one-time setup with a silent log, and the
 * checks that make a wrong result a crash the fuzzer reports. */
#ifndef SPRIG_FUZZ_COMMON_H
#define SPRIG_FUZZ_COMMON_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig.h>

#define SPRIG_FUZZ_MIN(a, b) ((a) < (b) ? (a) : (b))

struct fuzz_input {
  const uint8_t* data;
  size_t size;
  size_t position;
};

static inline uint8_t take_u8(struct fuzz_input* in) {
  return in->position < in->size ? in->data[in->position++] : 0;
}

static inline uint16_t take_u16(struct fuzz_input* in) {
  const uint16_t lo = take_u8(in);
  return (uint16_t) (lo | (uint16_t) take_u8(in) << 8);
}

static inline uint32_t take_u32(struct fuzz_input* in) {
  const uint32_t lo = take_u16(in);
  return lo | (uint32_t) take_u16(in) << 16;
}

/* 1 .. limit. */
static inline size_t take_range(struct fuzz_input* in, size_t limit) {
  return 1 + (size_t) take_u8(in) % limit;
}

/* A weight: zero for about half the bytes, else a small multiple of 1/16 (exact sums stay
 * within float, so results compare with a tight bound). */
static inline float take_weight(struct fuzz_input* in) {
  const uint8_t b = take_u8(in);
  return b < 128 ? 0.0f : (float) ((int) b - 191) / 16.0f;
}

static void fuzz_silent_log(enum sprig_log_level level, const char* message, void* user_data) {
  (void) level;
  (void) message;
  (void) user_data;
}

static inline void fuzz_init(void) {
  static int initialized;
  if (!initialized) {
    sprig_set_log_callback(fuzz_silent_log, NULL, sprig_log_level_debug);
    if (sprig_initialize() != sprig_status_success) {
      fprintf(stderr, "sprig_initialize failed\n");
      abort();
    }
    initialized = 1;
  }
}

/* Aborts (a crash the fuzzer records) when `condition` is false. */
#define FUZZ_CHECK(condition)                                                        \
  do {                                                                               \
    if (!(condition)) {                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      abort();                                                                       \
    }                                                                                \
  } while (0)

/* Each actual value within (terms + 2) float roundings of the magnitude of its sum. */
static inline void fuzz_check_close(const float* actual, const float* expected, const float* magnitude,
                                    size_t count, size_t terms) {
  for (size_t i = 0; i < count; i++) {
    const double bound = (double) (terms + 2) * 2.4e-7 * (double) magnitude[i] + 1e-30;
    if (!(fabs((double) actual[i] - (double) expected[i]) <= bound)) {
      fprintf(stderr, "element %zu: %.9g, expected %.9g (bound %.3g)\n", i, (double) actual[i],
              (double) expected[i], bound);
      abort();
    }
  }
}

/* A sparsity pattern from the bytes: every format with valid and invalid parameters, or NULL. */
static inline const struct sprig_sparsity* take_pattern(struct fuzz_input* in, struct sprig_sparsity* p) {
  static const uint32_t sides[] = {1, 2, 4, 8, 3, 0};
  static const uint32_t ms[] = {2, 4, 8, 16, 6, 0};
  memset(p, 0, sizeof(*p));
  const uint8_t kind = take_u8(in);
  switch (kind % 8) {
    case 0:
      return NULL;
    case 1:
      p->format = SPRIG_FORMAT_CSR;
      break;
    case 2:
      p->format = SPRIG_FORMAT_AUTO;
      break;
    case 3:
      p->format = SPRIG_FORMAT_BLOCK;
      p->block_rows = sides[take_u8(in) % 6];
      p->block_cols = sides[take_u8(in) % 6];
      break;
    case 4:
      p->format = SPRIG_FORMAT_NM;
      p->m = ms[take_u8(in) % 6];
      p->n = take_u8(in) % 17;
      break;
    case 5:
      p->format = SPRIG_FORMAT_GROUP;
      p->group = take_u8(in) % 10;
      break;
    default: /* raw fields */
      p->format = (enum sprig_format) (take_u8(in) % 7);
      p->block_rows = take_u8(in) % 10;
      p->block_cols = take_u8(in) % 10;
      p->n = take_u8(in) % 17;
      p->m = take_u8(in) % 17;
      p->group = take_u8(in) % 10;
      break;
  }
  return p;
}

#endif /* SPRIG_FUZZ_COMMON_H */
