/* Serialized packed weights (docs/serialization.md): a versioned little-endian blob of the
 * packed arrays with a CRC-32C, and a loader that trusts nothing in it. Derived data (kernel
 * streams) is not serialized: operators rebuild it on first use, as for freshly packed weights. */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/hardware.h>
#include <sprig/log.h>
#include <sprig/serialize.h>
#include <sprig/weights.h>

/* ---- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), one table lookup per byte ---- */

static const uint32_t crc32c_table[256] = {
    0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
    0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
    0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
    0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
    0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
    0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
    0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
    0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
    0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
    0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
    0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
    0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
    0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
    0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
    0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
    0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
    0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
    0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
    0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
    0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
    0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
    0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
    0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
    0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
    0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
    0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
    0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
    0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
    0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
    0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
    0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
    0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
    0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
    0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
    0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
    0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
    0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
    0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
    0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
    0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
    0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
    0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
    0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint32_t sprig_crc32c(const void* data, size_t size) {
  const uint8_t* bytes = data;
  uint32_t crc = UINT32_C(0xFFFFFFFF);
  for (size_t i = 0; i < size; i++) {
    crc = crc32c_table[(crc ^ bytes[i]) & 0xFF] ^ (crc >> 8);
  }
  return crc ^ UINT32_C(0xFFFFFFFF);
}

/* ---- little-endian fields ---- */

static void put_u32(uint8_t* p, uint32_t v) {
  for (size_t i = 0; i < 4; i++) {
    p[i] = (uint8_t) (v >> (8 * i));
  }
}

static void put_u64(uint8_t* p, uint64_t v) {
  for (size_t i = 0; i < 8; i++) {
    p[i] = (uint8_t) (v >> (8 * i));
  }
}

static uint32_t get_u32(const uint8_t* p) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; i++) {
    v |= (uint32_t) p[i] << (8 * i);
  }
  return v;
}

static uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++) {
    v |= (uint64_t) p[i] << (8 * i);
  }
  return v;
}

static bool host_is_little_endian(void) {
  const uint16_t one = 1;
  uint8_t first;
  memcpy(&first, &one, 1);
  return first == 1;
}

/* Copies `count` elements of `element` bytes between host order and little-endian order (the
 * same operation both ways). */
static void copy_elements_le(void* destination, const void* source, size_t count, size_t element) {
  if (host_is_little_endian() || element == 1) {
    memcpy(destination, source, count * element);
    return;
  }
  uint8_t* d = destination;
  const uint8_t* s = source;
  for (size_t i = 0; i < count; i++) {
    for (size_t b = 0; b < element; b++) {
      d[i * element + b] = s[i * element + element - 1 - b];
    }
  }
}

/* ---- layout ---- */

/* One stored array: its id, element size and count, and where the weights keep it. */
struct blob_array {
  uint32_t id;
  uint32_t element;
  size_t count;
  void** field;
  size_t offset;  /* in the blob */
};

static const char caller_serialize[] = "sprig_serialize_weights";
static const char caller_deserialize[] = "sprig_deserialize_weights";

/* How block weights store their block rows and columns. */
struct block_forms {
  bool gaps;     /* 1-byte column gaps (array 9), else 16- or 32-bit block columns (5) */
  bool counts16; /* 16-bit block row counts (array 10), else 32-bit block row pointers (4) */
};

/* The format's three arrays as the weights hold them (field pointers into `w`); block weights
 * in the forms `forms` names. */
static void weights_arrays(struct sprig_weights* w, struct block_forms forms, struct blob_array a[SPRIG_BLOB_ARRAYS]) {
  const bool s8 = w->dtype == sprig_weights_dtype_qs8, f16 = w->dtype == sprig_weights_dtype_f16;
  const uint32_t value_bytes = s8 ? 1 : f16 ? 2 : 4;
  switch (w->pattern.format) {
    case SPRIG_FORMAT_BLOCK:
    case SPRIG_FORMAT_GROUP: {
      const size_t block_rows = sprig_divide_round_up(w->rows, w->block_height);
      const bool narrow = sprig_divide_round_up(w->cols, w->block_width) <= (size_t) UINT16_MAX + 1;
      if (forms.counts16) {
        a[0] = (struct blob_array){sprig_blob_block_row_counts, 2, block_rows, (void**) &w->block_row_counts16, 0};
      } else {
        a[0] = (struct blob_array){sprig_blob_block_row_ptr, 4, block_rows + 1, (void**) &w->block_row_ptr, 0};
      }
      if (forms.gaps) {
        a[1] = (struct blob_array){sprig_blob_block_col_gaps, 1, w->blocks, (void**) &w->block_col_gaps, 0};
      } else {
        a[1] = (struct blob_array){sprig_blob_block_cols, narrow ? 2 : 4, w->blocks,
                                   narrow ? (void**) &w->block_col16 : (void**) &w->block_col32, 0};
      }
      a[2] = (struct blob_array){sprig_blob_block_values, value_bytes, w->stored_values,
                                 s8 ? (void**) &w->block_values_s8
                                 : f16 ? (void**) &w->block_values_f16 : (void**) &w->block_values, 0};
      return;
    }
    case SPRIG_FORMAT_NM:
      a[0] = (struct blob_array){sprig_blob_nm_indices, 1, w->stored_values, (void**) &w->nm_indices, 0};
      a[1] = (struct blob_array){sprig_blob_nm_values, value_bytes, w->stored_values,
                                 s8 ? (void**) &w->nm_values_s8
                                 : f16 ? (void**) &w->nm_values_f16 : (void**) &w->nm_values, 0};
      a[2] = (struct blob_array){0, 0, 0, NULL, 0};
      /* NM has two arrays; the third table entry is empty (id 0, no bytes). */
      return;
    default:
      a[0] = (struct blob_array){sprig_blob_row_ptr, 4, w->rows + 1, (void**) &w->row_ptr, 0};
      a[1] = (struct blob_array){sprig_blob_col_gaps, 1, w->stored_values, (void**) &w->col_gaps, 0};
      a[2] = (struct blob_array){sprig_blob_values, value_bytes, w->stored_values,
                                 s8 ? (void**) &w->values_s8
                                 : f16 ? (void**) &w->values_f16 : (void**) &w->values, 0};
      return;
  }
}

/* Places the arrays after the header and table, each SPRIG_BLOB_ALIGNMENT-aligned; the CRC
 * follows the last at a 4-byte boundary. False when a size overflows. */
static bool lay_out(struct blob_array a[SPRIG_BLOB_ARRAYS], size_t* total) {
  size_t at = sprig_round_up(SPRIG_BLOB_HEADER_BYTES + SPRIG_BLOB_ARRAYS * SPRIG_BLOB_TABLE_ENTRY_BYTES,
                             SPRIG_BLOB_ALIGNMENT);
  size_t end = at;
  for (size_t i = 0; i < SPRIG_BLOB_ARRAYS; i++) {
    size_t bytes;
    if (!sprig_mul_size(a[i].count, a[i].element, &bytes) || bytes > SIZE_MAX - SPRIG_BLOB_ALIGNMENT ||
        at > SIZE_MAX - SPRIG_BLOB_ALIGNMENT - bytes) {
      return false;
    }
    a[i].offset = at;
    end = at + bytes;
    at = sprig_round_up(end, SPRIG_BLOB_ALIGNMENT);
  }
  end = sprig_round_up(end, 4);
  if (end > SIZE_MAX - SPRIG_BLOB_CRC_BYTES) {
    return false;
  }
  *total = end + SPRIG_BLOB_CRC_BYTES;
  return true;
}

enum sprig_status sprig_serialize_weights(sprig_weights_t weights, void* buffer, size_t capacity,
                                          size_t* size_out) {
  if (weights == NULL || size_out == NULL) {
    sprig_log_error("%s: weights or size_out is NULL", caller_serialize);
    return sprig_status_invalid_parameter;
  }
  struct blob_array a[SPRIG_BLOB_ARRAYS];
  const struct block_forms forms = {.gaps = weights->block_col_gaps != NULL,
                                     .counts16 = weights->block_row_counts16 != NULL};
  weights_arrays(weights, forms, a);
  size_t total = 0;
  if (!lay_out(a, &total)) {
    sprig_log_error("%s: the blob's size overflows size_t", caller_serialize);
    return sprig_status_invalid_parameter;
  }
  if (buffer == NULL) {
    *size_out = total;
    return sprig_status_success;
  }
  if (capacity < total) {
    sprig_log_error("%s: capacity (%zu bytes) is below the blob's %zu bytes", caller_serialize, capacity, total);
    return sprig_status_invalid_parameter;
  }
  uint8_t* out = buffer;
  memset(out, 0, total);
  memcpy(out, SPRIG_BLOB_MAGIC, 8);
  put_u32(out + SPRIG_BLOB_OFFSET_VERSION, SPRIG_BLOB_VERSION);
  put_u32(out + SPRIG_BLOB_OFFSET_DTYPE, (uint32_t) weights->dtype);
  put_u32(out + SPRIG_BLOB_OFFSET_FORMAT, (uint32_t) weights->pattern.format);
  const uint32_t pattern[5] = {weights->pattern.block_rows, weights->pattern.block_cols, weights->pattern.n,
                               weights->pattern.m, weights->pattern.group};
  for (size_t i = 0; i < 5; i++) {
    put_u32(out + SPRIG_BLOB_OFFSET_PATTERN + 4 * i, pattern[i]);
  }
  put_u64(out + SPRIG_BLOB_OFFSET_ROWS, weights->rows);
  put_u64(out + SPRIG_BLOB_OFFSET_COLS, weights->cols);
  put_u64(out + SPRIG_BLOB_OFFSET_NNZ, weights->nnz);
  put_u64(out + SPRIG_BLOB_OFFSET_STORED, weights->stored_values);
  put_u64(out + SPRIG_BLOB_OFFSET_TOTAL, total);
  put_u32(out + SPRIG_BLOB_OFFSET_ARRAY_COUNT, SPRIG_BLOB_ARRAYS);
  for (size_t i = 0; i < SPRIG_BLOB_ARRAYS; i++) {
    uint8_t* entry = out + SPRIG_BLOB_HEADER_BYTES + i * SPRIG_BLOB_TABLE_ENTRY_BYTES;
    put_u32(entry, a[i].id);
    put_u32(entry + 4, a[i].element);
    put_u64(entry + 8, a[i].count);
    if (a[i].count != 0) {
      copy_elements_le(out + a[i].offset, *a[i].field, a[i].count, a[i].element);
    }
  }
  put_u32(out + total - SPRIG_BLOB_CRC_BYTES, sprig_crc32c(out, total - SPRIG_BLOB_CRC_BYTES));
  *size_out = total;
  return sprig_status_success;
}

/* ---- the loader ---- */

static enum sprig_status corrupt(const char* why, unsigned long long a, unsigned long long b) {
  sprig_log_error("%s: corrupt blob: %s (%llu, %llu)", caller_deserialize, why, a, b);
  return sprig_status_invalid_weights;
}

static bool value_is_zero(const struct sprig_weights* w, const void* values, size_t i) {
  switch (w->dtype) {
    case sprig_weights_dtype_qs8:
      return ((const int8_t*) values)[i] == 0;
    case sprig_weights_dtype_f16:
      return (((const uint16_t*) values)[i] & 0x7FFFu) == 0; /* +0 and -0 */
    default:
      return ((const float*) values)[i] == 0.0f;
  }
}

static size_t count_stored_nonzeros(const struct sprig_weights* w, const void* values, size_t count) {
  size_t nonzeros = 0;
  for (size_t i = 0; i < count; i++) {
    nonzeros += (size_t) !value_is_zero(w, values, i);
  }
  return nonzeros;
}

static enum sprig_status check_csr(const struct sprig_weights* w) {
  const void* values = w->dtype == sprig_weights_dtype_qs8   ? (const void*) w->values_s8
                       : w->dtype == sprig_weights_dtype_f16 ? (const void*) w->values_f16
                                                             : (const void*) w->values;
  if (w->row_ptr[0] != 0 || w->row_ptr[w->rows] != w->stored_values) {
    return corrupt("CSR row_ptr must run from 0 to the stored values", w->row_ptr[0], w->row_ptr[w->rows]);
  }
  for (size_t r = 0; r < w->rows; r++) {
    const uint32_t begin = w->row_ptr[r], end = w->row_ptr[r + 1];
    if (end < begin || end > w->stored_values) {
      return corrupt("CSR row_ptr decreases or passes the stored values at row (row, entry)", r, end);
    }
    size_t column = 0; /* the next entry's column is column + gap - 1 */
    for (uint32_t e = begin; e < end; e++) {
      const size_t gap = w->col_gaps[e];
      if (gap == 0) {
        return corrupt("CSR column gap 0 (entry, row)", e, r);
      }
      column += gap;
      if (column > w->cols) {
        return corrupt("CSR column out of range (entry, column)", e, column - 1);
      }
    }
  }
  const size_t nonzeros = count_stored_nonzeros(w, values, w->stored_values);
  if (nonzeros > w->nnz) {
    return corrupt("more nonzero values than nnz (nonzeros, nnz)", nonzeros, w->nnz);
  }
  return sprig_status_success;
}

/* The block rows tile the blocks: pointers from 0 to the block count, never decreasing, or
 * counts that sum to it (then no walk's first block can wrap). */
static enum sprig_status check_block_rows(const struct sprig_weights* w, size_t block_rows) {
  if (w->block_row_counts16 != NULL) {
    uint64_t sum = 0;
    for (size_t br = 0; br < block_rows; br++) {
      sum += w->block_row_counts16[br];
    }
    if (sum != w->blocks) {
      return corrupt("block row counts must sum to the block count (sum, blocks)", sum, w->blocks);
    }
    return sprig_status_success;
  }
  if (w->block_row_ptr[0] != 0 || w->block_row_ptr[block_rows] != w->blocks) {
    return corrupt("block row pointers must run from 0 to the block count", w->block_row_ptr[0],
                   w->block_row_ptr[block_rows]);
  }
  for (size_t br = 0; br < block_rows; br++) {
    const uint32_t begin = w->block_row_ptr[br], end = w->block_row_ptr[br + 1];
    if (end < begin || end > w->blocks) {
      return corrupt("block row pointers decrease or pass the block count (block row, pointer)", br, end);
    }
  }
  return sprig_status_success;
}

static enum sprig_status check_blocks(const struct sprig_weights* w) {
  const size_t bh = w->block_height, bw = w->block_width;
  const size_t block_rows = sprig_divide_round_up(w->rows, bh);
  const size_t block_cols = sprig_divide_round_up(w->cols, bw);
  const void* values = w->dtype == sprig_weights_dtype_qs8   ? (const void*) w->block_values_s8
                       : w->dtype == sprig_weights_dtype_f16 ? (const void*) w->block_values_f16
                                                             : (const void*) w->block_values;
  const enum sprig_status rows_status = check_block_rows(w, block_rows);
  if (rows_status != sprig_status_success) {
    return rows_status;
  }
  size_t nonzeros = 0;
  struct sprig_block_row_walk walk = {0};
  for (size_t br = 0; br < block_rows; br++) {
    size_t next_base = 0; /* the previous block's column + 1 (0 at the block row's start) */
    for (struct sprig_block_cursor c = sprig_block_row(w, &walk, br); c.block < c.end; sprig_block_next(w, &c)) {
      /* The step is checked before the cursor's column is used (a bad one may have wrapped). */
      if (w->block_col_gaps != NULL) {
        const size_t gap = w->block_col_gaps[c.block];
        if (gap == 0) {
          return corrupt("block column gap 0 (block, block row)", c.block, br);
        }
        if (gap > block_cols - next_base) {
          return corrupt("block column gap steps past the block row's end (block, column / block width)", c.block,
                         (unsigned long long) next_base + gap - 1);
        }
      } else {
        if (c.block_col >= block_cols) {
          return corrupt("block column out of range (block, column / block width)", c.block, c.block_col);
        }
        if (c.block_col + 1 <= next_base) {
          return corrupt("block columns not strictly increasing in a block row (block, column)", c.block, c.block_col);
        }
      }
      next_base = c.block_col + 1;
      /* The parts of an edge block outside the matrix hold zeros, as packing leaves them. */
      for (size_t i = 0; i < bh; i++) {
        for (size_t j = 0; j < bw; j++) {
          const size_t at = (size_t) c.block * bh * bw + i * bw + j;
          if (br * bh + i >= w->rows || c.block_col * bw + j >= w->cols) {
            if (!value_is_zero(w, values, at)) {
              return corrupt("nonzero value outside the matrix in an edge block (block, value)", c.block, at);
            }
          } else {
            nonzeros += (size_t) !value_is_zero(w, values, at);
          }
        }
      }
    }
  }
  if (nonzeros != w->nnz) {
    return corrupt("nnz differs from the nonzero values stored (nnz, nonzeros)", w->nnz, nonzeros);
  }
  return sprig_status_success;
}

static enum sprig_status check_nm(const struct sprig_weights* w) {
  const size_t n = w->pattern.n, m = w->pattern.m;
  const void* values = w->dtype == sprig_weights_dtype_qs8   ? (const void*) w->nm_values_s8
                       : w->dtype == sprig_weights_dtype_f16 ? (const void*) w->nm_values_f16
                                                             : (const void*) w->nm_values;
  for (size_t r = 0; r < w->rows; r++) {
    for (size_t g = 0; g < w->nm_groups; g++) {
      uint32_t held = 0; /* the run's columns that a nonzero slot holds (m <= 16) */
      for (size_t s = 0; s < n; s++) {
        const size_t slot = (r * w->nm_groups + g) * n + s;
        const size_t index = w->nm_indices[slot];
        if (index >= m || g * m + index >= w->cols) {
          return corrupt("N:M index out of its run or the matrix (slot, index)", slot, index);
        }
        /* Only padding zeros may repeat a column: two weights on one column have no dense
         * matrix, and the formats' readers would not agree on them (sum or last). */
        if (!value_is_zero(w, values, slot)) {
          if (held & (UINT32_C(1) << index)) {
            return corrupt("N:M run holds two nonzeros on the same column (slot, index)", slot, index);
          }
          held |= UINT32_C(1) << index;
        }
      }
    }
  }
  const size_t nonzeros = count_stored_nonzeros(w, values, w->stored_values);
  if (nonzeros != w->nnz) {
    return corrupt("nnz differs from the nonzero values stored (nnz, nonzeros)", w->nnz, nonzeros);
  }
  return sprig_status_success;
}

/* The header's fields into a weights object without arrays, the array table checked against
 * what they imply, and the layout against the blob's size. */
static enum sprig_status read_header(const uint8_t* blob, size_t size, struct sprig_weights* w,
                                     struct blob_array a[SPRIG_BLOB_ARRAYS]) {
  const uint32_t first_id = get_u32(blob + SPRIG_BLOB_HEADER_BYTES);
  const uint32_t dtype = get_u32(blob + SPRIG_BLOB_OFFSET_DTYPE);
  if (dtype != sprig_weights_dtype_f32 && dtype != sprig_weights_dtype_qs8 && dtype != sprig_weights_dtype_f16) {
    return corrupt("unknown dtype (dtype, 0)", dtype, 0);
  }
  const uint32_t format = get_u32(blob + SPRIG_BLOB_OFFSET_FORMAT);
  if (format != SPRIG_FORMAT_CSR && format != SPRIG_FORMAT_BLOCK && format != SPRIG_FORMAT_NM &&
      format != SPRIG_FORMAT_GROUP) {
    return corrupt("unknown format (format, 0)", format, 0);
  }
  const uint64_t rows = get_u64(blob + SPRIG_BLOB_OFFSET_ROWS), cols = get_u64(blob + SPRIG_BLOB_OFFSET_COLS);
  if (rows == 0 || cols == 0 || rows > UINT32_MAX || cols > UINT32_MAX) {
    return corrupt("rows and cols must be in 1 .. 2^32-1 (rows, cols)", rows, cols);
  }
  const uint64_t nnz = get_u64(blob + SPRIG_BLOB_OFFSET_NNZ), stored = get_u64(blob + SPRIG_BLOB_OFFSET_STORED);
  if (nnz > stored || stored > size) {
    return corrupt("nnz above the stored values, or more values than bytes (nnz, stored)", nnz, stored);
  }
  if (get_u32(blob + SPRIG_BLOB_OFFSET_ARRAY_COUNT) != SPRIG_BLOB_ARRAYS ||
      get_u32(blob + SPRIG_BLOB_OFFSET_RESERVED) != 0) {
    return corrupt("array count or reserved field (count, reserved)", get_u32(blob + SPRIG_BLOB_OFFSET_ARRAY_COUNT),
                   get_u32(blob + SPRIG_BLOB_OFFSET_RESERVED));
  }
  w->dtype = (enum sprig_weights_dtype) dtype;
  w->pattern = (struct sprig_sparsity){
      .format = (enum sprig_format) format,
      .block_rows = get_u32(blob + SPRIG_BLOB_OFFSET_PATTERN),
      .block_cols = get_u32(blob + SPRIG_BLOB_OFFSET_PATTERN + 4),
      .n = get_u32(blob + SPRIG_BLOB_OFFSET_PATTERN + 8),
      .m = get_u32(blob + SPRIG_BLOB_OFFSET_PATTERN + 12),
      .group = get_u32(blob + SPRIG_BLOB_OFFSET_PATTERN + 16),
  };
  w->rows = (size_t) rows;
  w->cols = (size_t) cols;
  w->nnz = (size_t) nnz;
  w->stored_values = (size_t) stored;
  if (sprig_check_pattern(w->rows, &w->pattern, caller_deserialize) != sprig_status_success) {
    return corrupt("invalid pattern fields (format, rows)", format, rows);
  }
  switch (w->pattern.format) {
    case SPRIG_FORMAT_BLOCK:
    case SPRIG_FORMAT_GROUP: {
      w->block_height = w->pattern.format == SPRIG_FORMAT_GROUP ? w->pattern.group : w->pattern.block_rows;
      w->block_width = w->pattern.format == SPRIG_FORMAT_GROUP ? 1 : w->pattern.block_cols;
      const size_t per_block = w->block_height * w->block_width;
      if (w->stored_values % per_block != 0 || w->stored_values / per_block > UINT32_MAX) {
        return corrupt("stored values are not whole blocks (stored, block size)", stored, per_block);
      }
      w->blocks = w->stored_values / per_block;
      /* Each block row takes a 4-byte pointer or a 2-byte count (this also keeps block rows + 1
       * from wrapping). */
      const size_t row_bytes = first_id == sprig_blob_block_row_counts ? 2 : 4;
      if (sprig_divide_round_up(w->rows, w->block_height) >= size / row_bytes) {
        return corrupt("more block rows than the blob holds (rows, bytes)", rows, size);
      }
      break;
    }
    case SPRIG_FORMAT_NM: {
      w->nm_groups = sprig_divide_round_up(w->cols, w->pattern.m);
      size_t slots;
      if (!sprig_mul3_size(w->rows, w->nm_groups, w->pattern.n, &slots) || slots != w->stored_values) {
        return corrupt("N:M stored values must be rows x runs x n (stored, rows)", stored, rows);
      }
      break;
    }
    default:
      if (stored > UINT32_MAX) {
        return corrupt("CSR entries exceed 2^32-1 (stored, 0)", stored, 0);
      }
      /* Each row takes a 4-byte pointer (this also keeps rows + 1 from wrapping). */
      if (w->rows >= size / 4) {
        return corrupt("more rows than the blob holds (rows, bytes)", rows, size);
      }
      break;
  }
  /* qs8 and f16 block weights store 1-byte column gaps; blobs written before the gaps hold
   * 16- or 32-bit block columns there, which the loader converts. f32 keeps block columns.
   * With the gaps, block rows are 16-bit counts or (large block rows, older blobs) 32-bit
   * pointers; f32 and blobs from before the gaps always store pointers. */
  const uint32_t second_id = get_u32(blob + SPRIG_BLOB_HEADER_BYTES + SPRIG_BLOB_TABLE_ENTRY_BYTES);
  struct block_forms forms = {.gaps = w->dtype != sprig_weights_dtype_f32 && second_id != sprig_blob_block_cols};
  forms.counts16 = forms.gaps && first_id == sprig_blob_block_row_counts;
  weights_arrays(w, forms, a);
  for (size_t i = 0; i < SPRIG_BLOB_ARRAYS; i++) {
    const uint8_t* entry = blob + SPRIG_BLOB_HEADER_BYTES + i * SPRIG_BLOB_TABLE_ENTRY_BYTES;
    if (get_u32(entry) != a[i].id || get_u32(entry + 4) != a[i].element || get_u64(entry + 8) != a[i].count) {
      return corrupt("array table entry differs from what the header implies (entry, id)", i, get_u32(entry));
    }
  }
  size_t total = 0;
  if (!lay_out(a, &total) || total != size) {
    return corrupt("arrays do not fill the blob (layout bytes, blob bytes)", total, size);
  }
  /* Padding between the arrays is zero (so that every byte of a valid blob has one meaning). */
  size_t at = SPRIG_BLOB_HEADER_BYTES + SPRIG_BLOB_ARRAYS * SPRIG_BLOB_TABLE_ENTRY_BYTES;
  for (size_t i = 0; i <= SPRIG_BLOB_ARRAYS; i++) {
    const size_t next = i < SPRIG_BLOB_ARRAYS ? a[i].offset : size - SPRIG_BLOB_CRC_BYTES;
    for (; at < next; at++) {
      if (blob[at] != 0) {
        return corrupt("nonzero padding byte (offset, value)", at, blob[at]);
      }
    }
    if (i < SPRIG_BLOB_ARRAYS) {
      at = a[i].offset + a[i].count * a[i].element;
    }
  }
  return sprig_status_success;
}

enum sprig_status sprig_deserialize_weights(const void* data, size_t size, uint32_t flags,
                                            sprig_weights_t* weights_out) {
  if (sprig_get_hardware() == NULL) {
    sprig_log_error("%s: sprig_initialize() has not succeeded", caller_deserialize);
    return sprig_status_uninitialized;
  }
  if (data == NULL || weights_out == NULL) {
    sprig_log_error("%s: data or weights_out is NULL", caller_deserialize);
    return sprig_status_invalid_parameter;
  }
  if ((flags & ~SPRIG_FLAG_BORROW_BUFFER) != 0) {
    sprig_log_error("%s: unknown flags 0x%08x", caller_deserialize, (unsigned) (flags & ~SPRIG_FLAG_BORROW_BUFFER));
    return sprig_status_invalid_parameter;
  }
  const uint8_t* blob = data;
  const size_t fixed = SPRIG_BLOB_HEADER_BYTES + SPRIG_BLOB_ARRAYS * SPRIG_BLOB_TABLE_ENTRY_BYTES;
  if (size < fixed + SPRIG_BLOB_CRC_BYTES) {
    return corrupt("truncated: shorter than the header (bytes, header bytes)", size, fixed + SPRIG_BLOB_CRC_BYTES);
  }
  if (memcmp(blob, SPRIG_BLOB_MAGIC, 8) != 0) {
    sprig_log_error("%s: not a sprig weights blob (magic differs)", caller_deserialize);
    return sprig_status_invalid_weights;
  }
  const uint32_t version = get_u32(blob + SPRIG_BLOB_OFFSET_VERSION);
  if (version != SPRIG_BLOB_VERSION) {
    sprig_log_error("%s: blob format version %u; this library reads version %u", caller_deserialize,
                    (unsigned) version, (unsigned) SPRIG_BLOB_VERSION);
    return sprig_status_invalid_weights;
  }
  const uint64_t total = get_u64(blob + SPRIG_BLOB_OFFSET_TOTAL);
  if (total != size) {
    return corrupt(total > size ? "truncated: the blob says it has more bytes (blob bytes, size)"
                                : "size differs from the blob's own (blob bytes, size)",
                   total, size);
  }
  const uint32_t crc = sprig_crc32c(blob, size - SPRIG_BLOB_CRC_BYTES);
  if (crc != get_u32(blob + size - SPRIG_BLOB_CRC_BYTES)) {
    return corrupt("CRC-32C mismatch (computed, stored)", crc, get_u32(blob + size - SPRIG_BLOB_CRC_BYTES));
  }
  struct sprig_weights* w = calloc(1, sizeof(struct sprig_weights));
  if (w == NULL) {
    sprig_log_error("%s: out of memory", caller_deserialize);
    return sprig_status_out_of_memory;
  }
  atomic_init(&w->references, 1);
  struct blob_array a[SPRIG_BLOB_ARRAYS];
  enum sprig_status status = read_header(blob, size, w, a);
  if (status != sprig_status_success) {
    sprig_release_weights(w);
    return status;
  }
  /* qs8 / f16 block columns from before the gaps: copied, checked, then converted to gaps. */
  const bool legacy_block_cols = w->dtype != sprig_weights_dtype_f32 &&
                                 (w->pattern.format == SPRIG_FORMAT_BLOCK || w->pattern.format == SPRIG_FORMAT_GROUP) &&
                                 a[1].id == sprig_blob_block_cols;
  /* Borrow when every array is aligned for its elements in place (little-endian hosts) and kept
   * as stored. */
  bool borrow = (flags & SPRIG_FLAG_BORROW_BUFFER) != 0 && host_is_little_endian() && !legacy_block_cols;
  for (size_t i = 0; i < SPRIG_BLOB_ARRAYS && borrow; i++) {
    borrow = a[i].element == 0 || (uintptr_t) (blob + a[i].offset) % a[i].element == 0;
  }
  w->borrowed = borrow;
  for (size_t i = 0; i < SPRIG_BLOB_ARRAYS; i++) {
    if (a[i].field == NULL) {
      continue;
    }
    if (borrow) {
      *a[i].field = (void*) (uintptr_t) (blob + a[i].offset);
    } else {
      *a[i].field = malloc(SPRIG_MAX(a[i].count * a[i].element, 1));
      if (*a[i].field == NULL) {
        sprig_log_error("%s: out of memory for %zu bytes", caller_deserialize, a[i].count * a[i].element);
        sprig_release_weights(w);
        return sprig_status_out_of_memory;
      }
      if (a[i].count != 0) {
        copy_elements_le(*a[i].field, blob + a[i].offset, a[i].count, a[i].element);
      }
    }
  }
  switch (w->pattern.format) {
    case SPRIG_FORMAT_BLOCK:
    case SPRIG_FORMAT_GROUP:
      status = check_blocks(w);
      break;
    case SPRIG_FORMAT_NM:
      status = check_nm(w);
      break;
    default:
      status = check_csr(w);
      break;
  }
  if (status == sprig_status_success && legacy_block_cols) {
    status = sprig_block_columns_to_gaps(w);
    if (status == sprig_status_out_of_memory) {
      sprig_log_error("%s: out of memory converting block columns to gaps", caller_deserialize);
    } else if (status != sprig_status_success) {
      status = corrupt("more than 2^32 - 1 blocks with the column-gap bridges (blocks, 0)", w->blocks, 0);
    }
  }
  if (status != sprig_status_success) {
    sprig_release_weights(w);
    return status;
  }
  sprig_log_debug("%s: %zu x %zu %s weights, %zu stored values%s", caller_deserialize, w->rows, w->cols,
                  sprig_format_name(w->pattern.format), w->stored_values, borrow ? " (borrowed buffer)" : "");
  *weights_out = w;
  return sprig_status_success;
}
