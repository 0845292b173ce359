/* The serialized weights format (docs/serialization.md): constants shared by src/pack/serialize.c
 * and the tests that forge blobs. */
#ifndef SPRIG_SERIALIZE_H
#define SPRIG_SERIALIZE_H

#include <stddef.h>
#include <stdint.h>

#define SPRIG_BLOB_MAGIC "sprigwts"           /* 8 bytes, no terminator stored */
#define SPRIG_BLOB_VERSION 1
#define SPRIG_BLOB_HEADER_BYTES 88            /* fixed fields, then the array table */
#define SPRIG_BLOB_TABLE_ENTRY_BYTES 16       /* per array: id, element bytes, element count */
#define SPRIG_BLOB_ARRAYS 3                   /* every format stores three arrays */
#define SPRIG_BLOB_ALIGNMENT 16               /* each array starts at a multiple of this */
#define SPRIG_BLOB_CRC_BYTES 4                /* the last bytes: CRC-32C of all before them */

/* Header field offsets. */
#define SPRIG_BLOB_OFFSET_VERSION 8
#define SPRIG_BLOB_OFFSET_DTYPE 12
#define SPRIG_BLOB_OFFSET_FORMAT 16
#define SPRIG_BLOB_OFFSET_PATTERN 20          /* block_rows, block_cols, n, m, group: 5 x u32 */
#define SPRIG_BLOB_OFFSET_ROWS 40
#define SPRIG_BLOB_OFFSET_COLS 48
#define SPRIG_BLOB_OFFSET_NNZ 56
#define SPRIG_BLOB_OFFSET_STORED 64
#define SPRIG_BLOB_OFFSET_TOTAL 72
#define SPRIG_BLOB_OFFSET_ARRAY_COUNT 80
#define SPRIG_BLOB_OFFSET_RESERVED 84

/* Array ids. */
enum sprig_blob_array {
  sprig_blob_row_ptr = 1,       /* CSR: u32, rows + 1 */
  sprig_blob_col_gaps = 2,      /* CSR: u8, stored values */
  sprig_blob_values = 3,        /* CSR: f32 / s8 / f16, stored values */
  sprig_blob_block_row_ptr = 4, /* BLOCK, GROUP: u32, ceil(rows / block height) + 1 (f32; qs8 and
                                 * f16 when a block row passes 65535 blocks, and older blobs) */
  sprig_blob_block_cols = 5,    /* BLOCK, GROUP: u16 or u32, blocks (f32; qs8 and f16 before the gaps) */
  sprig_blob_block_values = 6,  /* BLOCK, GROUP: f32 / s8 / f16, stored values */
  sprig_blob_nm_indices = 7,    /* NM: u8, stored values */
  sprig_blob_nm_values = 8,     /* NM: f32 / s8 / f16, stored values */
  sprig_blob_block_col_gaps = 9, /* BLOCK, GROUP of qs8 and f16: u8, blocks (bridges included) */
  sprig_blob_block_row_counts = 10, /* BLOCK, GROUP with gaps: u16, ceil(rows / block height) */
};

/* CRC-32C (Castagnoli) of `size` bytes, as the blob's last 4 bytes hold it. */
uint32_t sprig_crc32c(const void* data, size_t size);

#endif /* SPRIG_SERIALIZE_H */
