/* sprig_pack_weights_f32: argument and pattern checks, AUTO resolution, then one packer per
 * format; weights info and reference counting. */
#include <stdio.h>
#include <stdlib.h>

#include <sprig/common.h>
#include <sprig/hardware.h>
#include <sprig/log.h>
#include <sprig/weights.h>

#define MAX_INDEX ((size_t) UINT32_MAX)

enum sprig_status sprig_check_pack_arguments(size_t rows, size_t cols, uint32_t flags, uint32_t allowed_flags,
                                             const void* weights_out, const struct sprig_pack_names* names) {
  const char* caller = names->function;
  if (sprig_get_hardware() == NULL) {
    sprig_log_error("%s: sprig_initialize() has not succeeded", caller);
    return sprig_status_uninitialized;
  }
  if (weights_out == NULL) {
    sprig_log_error("%s: weights_out is NULL", caller);
    return sprig_status_invalid_parameter;
  }
  if (rows == 0 || cols == 0) {
    sprig_log_error("%s: %s (%zu) and %s (%zu) must be > 0", caller, names->rows, rows, names->cols, cols);
    return sprig_status_invalid_parameter;
  }
  if (rows > MAX_INDEX || cols > MAX_INDEX) {
    sprig_log_error("%s: %s (%zu) and %s (%zu) must be < 2^32", caller, names->rows, rows, names->cols, cols);
    return sprig_status_invalid_parameter;
  }
  if ((flags & ~allowed_flags) != 0) {
    sprig_log_error("%s: unknown flags 0x%08x", caller, (unsigned) (flags & ~allowed_flags));
    return sprig_status_invalid_parameter;
  }
  return sprig_status_success;
}

size_t sprig_count_nonzeros(const float* dense, size_t count) {
  size_t nnz = 0;
  for (size_t i = 0; i < count; i++) {
    nnz += (size_t) (dense[i] != 0.0f);
  }
  return nnz;
}

static bool is_block_side(uint32_t side) {
  return side == 1 || side == 2 || side == 4 || side == 8;
}

static enum sprig_status refuse(enum sprig_status status, const char* caller, const char* why) {
  sprig_log_error("%s: %s", caller, why);
  return status;
}

enum sprig_status sprig_check_pattern(size_t rows, const struct sprig_sparsity* p, const char* caller) {
  if (p == NULL) {
    return sprig_status_success;
  }
  switch (p->format) {
    case SPRIG_FORMAT_CSR:
    case SPRIG_FORMAT_AUTO:
      if (p->block_rows != 0 || p->block_cols != 0 || p->n != 0 || p->m != 0 || p->group != 0) {
        return refuse(sprig_status_invalid_parameter, caller,
                      "CSR and AUTO patterns take no block, N:M or group parameters (they must be 0)");
      }
      return sprig_status_success;
    case SPRIG_FORMAT_BLOCK:
      if (p->n != 0 || p->m != 0 || p->group != 0) {
        return refuse(sprig_status_invalid_parameter, caller, "a BLOCK pattern takes only block_rows and block_cols");
      }
      if (p->block_rows == 0 || p->block_cols == 0) {
        return refuse(sprig_status_invalid_parameter, caller, "BLOCK block_rows and block_cols must be > 0");
      }
      if (!is_block_side(p->block_rows) || !is_block_side(p->block_cols)) {
        sprig_log_error("%s: BLOCK %ux%u is not supported: block sides are 1, 2, 4 or 8", caller,
                        (unsigned) p->block_rows, (unsigned) p->block_cols);
        return sprig_status_unsupported_parameter;
      }
      return sprig_status_success;
    case SPRIG_FORMAT_GROUP:
      if (p->block_rows != 0 || p->block_cols != 0 || p->n != 0 || p->m != 0) {
        return refuse(sprig_status_invalid_parameter, caller, "a GROUP pattern takes only group");
      }
      if (p->group == 0 || p->group > rows) {
        sprig_log_error("%s: GROUP group (%u) must be > 0 and at most the %zu output channels", caller,
                        (unsigned) p->group, rows);
        return sprig_status_invalid_parameter;
      }
      if (p->group != 2 && p->group != 4 && p->group != 8) {
        sprig_log_error("%s: GROUP group %u is not supported: groups are 2, 4 or 8", caller, (unsigned) p->group);
        return sprig_status_unsupported_parameter;
      }
      return sprig_status_success;
    case SPRIG_FORMAT_NM:
      if (p->block_rows != 0 || p->block_cols != 0 || p->group != 0) {
        return refuse(sprig_status_invalid_parameter, caller, "an N:M pattern takes only n and m");
      }
      if (p->n == 0 || p->m == 0 || p->n >= p->m) {
        sprig_log_error("%s: N:M needs 1 <= n < m (got %u:%u)", caller, (unsigned) p->n, (unsigned) p->m);
        return sprig_status_invalid_parameter;
      }
      if (p->m != 2 && p->m != 4 && p->m != 8 && p->m != 16) {
        sprig_log_error("%s: N:M with m = %u is not supported: m is 2, 4, 8 or 16", caller, (unsigned) p->m);
        return sprig_status_unsupported_parameter;
      }
      return sprig_status_success;
  }
  sprig_log_error("%s: unknown sparsity format %d (CSR, BLOCK, NM, GROUP or AUTO)", caller, (int) p->format);
  return sprig_status_invalid_parameter;
}

const char* sprig_format_name(enum sprig_format format) {
  switch (format) {
    case SPRIG_FORMAT_CSR:
      return "CSR";
    case SPRIG_FORMAT_BLOCK:
      return "BLOCK";
    case SPRIG_FORMAT_NM:
      return "NM";
    case SPRIG_FORMAT_GROUP:
      return "GROUP";
    case SPRIG_FORMAT_AUTO:
      return "AUTO";
  }
  return "unknown";
}

/* "CSR", "BLOCK 4x1", "NM 2:4", "GROUP 8" into buffer. */
static const char* describe_pattern(const struct sprig_sparsity* p, char* buffer, size_t size) {
  switch (p->format) {
    case SPRIG_FORMAT_BLOCK:
      snprintf(buffer, size, "BLOCK %ux%u", (unsigned) p->block_rows, (unsigned) p->block_cols);
      break;
    case SPRIG_FORMAT_NM:
      snprintf(buffer, size, "NM %u:%u", (unsigned) p->n, (unsigned) p->m);
      break;
    case SPRIG_FORMAT_GROUP:
      snprintf(buffer, size, "GROUP %u", (unsigned) p->group);
      break;
    default:
      snprintf(buffer, size, "%s", sprig_format_name(p->format));
      break;
  }
  return buffer;
}

enum sprig_status sprig_pack_dense_f32(size_t rows, size_t cols, const float* dense,
                                       const struct sprig_sparsity* pattern, uint32_t flags,
                                       const struct sprig_pack_names* names, struct sprig_weights** out) {
  const char* caller = names->function;
  enum sprig_status status = sprig_check_pack_arguments(rows, cols, flags, SPRIG_FLAG_PRUNE, out, names);
  if (status != sprig_status_success) {
    return status;
  }
  if ((status = sprig_check_pattern(rows, pattern, caller)) != sprig_status_success) {
    return status;
  }
  size_t dense_bytes;
  if (!sprig_mul3_size(rows, cols, sizeof(float), &dense_bytes)) {
    sprig_log_error("%s: a %zu x %zu f32 matrix (%s x %s) overflows size_t", caller, rows, cols, names->rows,
                    names->cols);
    return sprig_status_invalid_parameter;
  }
  if (dense == NULL) {
    sprig_log_error("%s: %s is NULL", caller, names->dense);
    return sprig_status_invalid_parameter;
  }
  struct sprig_sparsity chosen = {.format = SPRIG_FORMAT_CSR};
  if (pattern != NULL) {
    chosen = pattern->format == SPRIG_FORMAT_AUTO ? sprig_detect_pattern(rows, cols, dense) : *pattern;
  }
  struct sprig_weights* w = NULL;
  switch (chosen.format) {
    case SPRIG_FORMAT_BLOCK:
      status = sprig_pack_dense_block(rows, cols, dense, chosen.block_rows, chosen.block_cols, &chosen, caller, &w);
      break;
    case SPRIG_FORMAT_GROUP:
      status = sprig_pack_dense_block(rows, cols, dense, chosen.group, 1, &chosen, caller, &w);
      break;
    case SPRIG_FORMAT_NM:
      status = sprig_pack_dense_nm(rows, cols, dense, chosen.n, chosen.m, flags, caller, &w);
      break;
    default:
      status = sprig_pack_dense_csr(rows, cols, dense, caller, &w);
      break;
  }
  if (status == sprig_status_success) {
    char described[32];
    sprig_log_debug("%s: %zu x %zu packed as %s%s, %zu nonzeros, %zu stored values", caller, rows, cols,
                    describe_pattern(&w->pattern, described, sizeof(described)),
                    pattern != NULL && pattern->format == SPRIG_FORMAT_AUTO ? " (AUTO)" : "", w->nnz,
                    w->stored_values);
    *out = w;
  }
  return status;
}

enum sprig_status sprig_pack_weights_f32(
    size_t rows, size_t cols, const float* dense, const struct sprig_sparsity* pattern,
    uint32_t flags, sprig_weights_t* weights_out) {
  static const struct sprig_pack_names names = {"sprig_pack_weights_f32", "rows", "cols", "dense"};
  return sprig_pack_dense_f32(rows, cols, dense, pattern, flags, &names, weights_out);
}

const char* sprig_weights_dtype_packer(enum sprig_weights_dtype dtype) {
  switch (dtype) {
    case sprig_weights_dtype_qs8:
      return "sprig_pack_weights_qs8";
    case sprig_weights_dtype_f16:
      return "sprig_pack_weights_f16";
    default:
      return "sprig_pack_weights_f32";
  }
}

size_t sprig_packed_bytes(const struct sprig_weights* w) {
  const size_t value_bytes = w->dtype == sprig_weights_dtype_qs8   ? sizeof(int8_t)
                             : w->dtype == sprig_weights_dtype_f16 ? sizeof(uint16_t)
                                                                   : sizeof(float);
  switch (w->pattern.format) {
    case SPRIG_FORMAT_BLOCK:
    case SPRIG_FORMAT_GROUP: {
      const size_t block_rows = sprig_divide_round_up(w->rows, w->block_height);
      return (w->block_row_counts16 != NULL ? block_rows * sizeof(uint16_t) : (block_rows + 1) * sizeof(uint32_t)) +
             w->blocks * ((w->block_col_gaps != NULL ? sizeof(uint8_t)
                           : w->block_col16 != NULL  ? sizeof(uint16_t)
                                                     : sizeof(uint32_t)) +
                          w->block_height * w->block_width * value_bytes);
    }
    case SPRIG_FORMAT_NM:
      return w->stored_values * (value_bytes + sizeof(uint8_t));
    default:
      return (w->rows + 1) * sizeof(uint32_t) + w->stored_values * (sizeof(uint8_t) + value_bytes);
  }
}

enum sprig_status sprig_get_weights_info(sprig_weights_t weights, struct sprig_weights_info* info_out) {
  if (weights == NULL || info_out == NULL) {
    sprig_log_error("sprig_get_weights_info: weights or info_out is NULL");
    return sprig_status_invalid_parameter;
  }
  *info_out = (struct sprig_weights_info){
      .pattern = weights->pattern,
      .rows = weights->rows,
      .cols = weights->cols,
      .nnz = weights->nnz,
      .stored_values = weights->stored_values,
      .packed_bytes = sprig_packed_bytes(weights),
  };
  return sprig_status_success;
}

void sprig_retain_weights(struct sprig_weights* weights) {
  atomic_fetch_add_explicit(&weights->references, 1, memory_order_relaxed);
}

enum sprig_status sprig_release_weights(sprig_weights_t weights) {
  if (weights == NULL) {
    return sprig_status_success;
  }
  if (atomic_fetch_sub_explicit(&weights->references, 1, memory_order_acq_rel) == 1) {
    sprig_free_derived(weights);
    if (!weights->borrowed) { /* borrowed arrays belong to the caller's buffer */
      free(weights->row_ptr);
      free(weights->col_gaps);
      free(weights->values);
      free(weights->block_row_ptr);
      free(weights->block_row_counts16);
      free(weights->block_col16);
      free(weights->block_col32);
      free(weights->block_col_gaps);
      free(weights->block_values);
      free(weights->nm_values);
      free(weights->nm_indices);
      free(weights->values_s8);
      free(weights->block_values_s8);
      free(weights->nm_values_s8);
      free(weights->values_f16);
      free(weights->block_values_f16);
      free(weights->nm_values_f16);
    }
    free(weights);
  }
  return sprig_status_success;
}

enum sprig_status sprig_pack_dense_through_f32(size_t rows, size_t cols, const void* dense, sprig_widen_fn widen,
                                               sprig_narrow_fn narrow, const struct sprig_sparsity* pattern,
                                               uint32_t flags, const struct sprig_pack_names* names,
                                               struct sprig_weights** out) {
  const char* caller = names->function;
  enum sprig_status status = sprig_check_pack_arguments(rows, cols, flags, SPRIG_FLAG_PRUNE, out, names);
  if (status != sprig_status_success) {
    return status;
  }
  size_t float_bytes;
  if (!sprig_mul3_size(rows, cols, sizeof(float), &float_bytes)) {
    sprig_log_error("%s: a %zu x %zu matrix (%s x %s) overflows size_t", caller, rows, cols, names->rows, names->cols);
    return sprig_status_invalid_parameter;
  }
  if (dense == NULL) {
    sprig_log_error("%s: %s is NULL", caller, names->dense);
    return sprig_status_invalid_parameter;
  }
  if ((status = sprig_check_pattern(rows, pattern, caller)) != sprig_status_success) {
    return status;
  }
  float* image = malloc(float_bytes);
  if (image == NULL) {
    sprig_log_error("%s: out of memory", caller);
    return sprig_status_out_of_memory;
  }
  widen(dense, rows * cols, image);
  struct sprig_weights* w = NULL;
  status = sprig_pack_dense_f32(rows, cols, image, pattern, flags, names, &w);
  free(image);
  if (status != sprig_status_success) {
    return status;
  }
  if ((status = narrow(w)) != sprig_status_success) {
    sprig_log_error("%s: out of memory", caller);
    sprig_release_weights(w);
    return status;
  }
  /* Narrower types store block columns as 1-byte gaps (the f32 packers wrote columns). */
  if (w->pattern.format == SPRIG_FORMAT_BLOCK || w->pattern.format == SPRIG_FORMAT_GROUP) {
    if ((status = sprig_block_columns_to_gaps(w)) != sprig_status_success) {
      if (status == sprig_status_out_of_memory) {
        sprig_log_error("%s: out of memory", caller);
      } else {
        sprig_log_error("%s: %zu x %zu: more than 2^32 - 1 blocks with the column-gap bridges", caller, rows, cols);
      }
      sprig_release_weights(w);
      return status;
    }
  }
  *out = w;
  return sprig_status_success;
}
