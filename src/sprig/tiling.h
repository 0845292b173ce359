/* Work split shared by the paths whose kernels take pixel tiles x output-channel ranges (SpMM,
 * N:M): pixel tiles, channel ranges, the aligned input copy, and the pthreadpool loop. */
#ifndef SPRIG_TILING_H
#define SPRIG_TILING_H

#include <stdbool.h>
#include <stddef.h>

#include <pthreadpool.h>

#include <sprig.h>
#include <sprig/isa.h>

/* What a path computes for one reshape, per image:
 *   output[image][channel][pixel] = clamp(bias + W[channel][:] . input[image][:][pixel])
 * with rows (channels) and images the given byte strides apart; pixels are contiguous. */
struct sprig_problem {
  size_t images;
  size_t pixels;
  /* Convolutions taken by the conv path: the input and output maps (pixels is their product
   * for the output); 0 otherwise. */
  size_t input_height, input_width, output_height, output_width;
  size_t input_row_stride;
  size_t input_image_stride;
  size_t output_row_stride;
  size_t output_image_stride;
};

/* A contiguous range of whole kernel units (output channels, or blocks of NR of them). The
 * offsets locate the range's first unit in the path's weight arrays. */
struct sprig_channel_range {
  size_t first_channel;
  size_t channel_count;
  size_t first_unit;
  size_t first_entry;
  size_t first_weight;
  size_t first_input_row;  /* input row of the range's first entry (0 if none) */
};

struct sprig_tile_plan {
  struct sprig_problem problem;
  size_t channels;            /* output channels in all */
  size_t input_rows;          /* K: input rows per image */
  /* What the kernels read: the caller's input, or staged_input when the caller's rows are
   * misaligned or a multiple of 4 KiB apart (see sprig_kernel_row_stride). */
  size_t kernel_row_stride;
  size_t kernel_image_stride;
  /* NULL, or images x K rows of kernel_row_stride bytes: the plan's own, or (staging_workspace
   * not NULL) that workspace's data, taken at each run. */
  float* staged_input;
  struct sprig_workspace* staging_workspace;
  bool staged;
  bool stage_on_threads;      /* copy to staged_input on pools of 2+ threads too (else 1 only) */
  size_t pixel_tile;          /* pixels per task (a multiple of MR) */
  size_t pixel_tiles;         /* per image */
  struct sprig_channel_range* ranges;
  size_t range_count;         /* ranges in use (the path's split fills them) */
  size_t range_capacity;      /* ranges allocated */
};

/* Tasks a run is cut into at least (when the shape allows), whatever the thread count, so that
 * the work split (and so every result bit) never depends on the pool. */
#define SPRIG_TARGET_TASKS 32

/* The row stride (bytes) at which SIMD kernels read rows of `pixels` floats best: the fewest
 * 64-byte cache lines that hold the row, made odd (no load splits a line, and the lines a pixel
 * tile reads from consecutive rows spread over every L1 set: rows 2^k lines apart fall into
 * 1 / 2^k of the sets). */
size_t sprig_padded_row_stride(size_t pixels);

/* The same for rows of `row_bytes` bytes of any element type. */
size_t sprig_padded_row_bytes(size_t row_bytes);

/* Whether rows of `row_bytes` bytes, `row_stride` bytes apart, that are copied to padded rows
 * (misaligned or 4 KiB apart) are copied on pools of 2+ threads too: when 4 KiB apart or short.
 * Otherwise a pool reads them in place: a copy would make each core read rows from the other
 * core's cache (docs/performance.md, "2 threads"). */
bool sprig_stages_on_threads(size_t row_stride, size_t row_bytes);

/* Whether rows `row_stride` bytes apart are worth copying to padded rows before SIMD kernels
 * read them: not whole cache lines apart (loads would split lines) or a multiple of 4 KiB apart.
 * Rows whole lines apart otherwise are read in place (a copy costs more than the L1 sets an
 * even number of lines shares), so never compare a stride with sprig_padded_row_stride to
 * decide. */
bool sprig_row_stride_is_misaligned(size_t row_stride);

/* Rows of `pixels` floats `row_stride` bytes apart: sprig_padded_row_stride(pixels) for rows of
 * 16+ pixels that are misaligned (sprig_row_stride_is_misaligned), else row_stride. */
size_t sprig_aligned_row_stride(size_t pixels, size_t row_stride);

/* The input row stride kernels of `isa` should read for rows of `pixels` floats that are
 * `row_stride` bytes apart, when `nnz` weights read `input_rows` rows: row_stride itself, or
 * sprig_aligned_row_stride when copying pays (SIMD kernel, every input row read twice or more
 * on average). */
size_t sprig_kernel_row_stride(enum sprig_isa isa, size_t nnz, size_t input_rows, size_t pixels, size_t row_stride);

/* 64-byte aligned memory for `bytes` bytes, zero-filled; NULL when out of memory. */
void* sprig_allocate_aligned(size_t bytes);

/* The same, not filled: for scratch that every run writes before reading (the pages a run never
 * touches stay unmapped). */
void* sprig_allocate_scratch(size_t bytes);

/* A new plan for `problem` (channels x input_rows weights, `units` kernel units, kernel tile
 * `mr`, kernel input row stride from sprig_kernel_row_stride) with room for the channel ranges
 * the task target asks for; the caller fills ranges / range_count. Staged rows go in
 * `workspace` when not NULL (grown as needed), else in a buffer of the plan's own. On error
 * nothing is allocated and the reason is logged. */
enum sprig_status sprig_plan_tiles(const struct sprig_problem* problem, size_t channels, size_t input_rows,
                                   size_t units, size_t mr, size_t kernel_row_stride,
                                   struct sprig_workspace* workspace, const char* caller,
                                   struct sprig_tile_plan* plan_out);

/* Frees a plan's arrays and zeroes it. */
void sprig_free_tile_plan(struct sprig_tile_plan* plan);

/* Computes one pixel tile of one channel range. input points at pixel first_pixel of the image's
 * first input row, rows row_stride bytes apart; output at the range's first channel, pixel
 * first_pixel. */
typedef void (*sprig_tile_fn)(const void* path, const struct sprig_tile_plan* plan,
                              const struct sprig_channel_range* range, const char* input, size_t row_stride,
                              size_t pixel_count, char* output);

/* Runs fn over every (pixel tile, channel range) of the plan on the pool, staging the input
 * first when the plan says so. On one thread each pixel tile is one call over every channel
 * (ranges only balance load between threads; each channel's sums are the same either way). */
void sprig_run_tiles(const struct sprig_tile_plan* plan, const void* path, sprig_tile_fn fn, const float* input,
                     float* output, pthreadpool_t threadpool);

#endif /* SPRIG_TILING_H */
