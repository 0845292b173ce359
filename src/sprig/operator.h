/* Private operator state shared by the linear and conv2d-nchw operators. */
#ifndef SPRIG_OPERATOR_H
#define SPRIG_OPERATOR_H

#include <stddef.h>
#include <stdint.h>

#include <sprig.h>
#include <sprig/bspmv.h>
#include <sprig/hardware.h>
#include <sprig/nmspmm.h>
#include <sprig/spmm.h>
#include <sprig/stream.h>
#include <sprig/weights.h>

enum sprig_operator_type {
  sprig_operator_type_linear = 1,
  sprig_operator_type_conv2d_nchw,
};

enum sprig_operator_state {
  sprig_operator_state_created = 1,  /* needs reshape */
  sprig_operator_state_reshaped,     /* needs setup */
  sprig_operator_state_ready,        /* can run */
};

/* A contiguous range of whole stream units (output channels) processed by one task column. */
struct sprig_channel_range {
  size_t first_channel;
  size_t channel_count;
  size_t first_unit;        /* index into stream.nnz */
  size_t first_entry;       /* index into stream.deltas */
  size_t first_weight;      /* index into the kernel weight stream (biases included) */
  size_t first_input_row;   /* input row of the range's first entry (0 if none) */
};

/* The SpMM problem an operator reduces to: out[N][M] = W[N][K] * in[K][M], per image. */
struct sprig_spmm_plan {
  size_t pixels;              /* M per image */
  size_t images;              /* images (conv batch); 1 for linear */
  size_t input_row_stride;    /* bytes between the caller's input rows (channels) */
  size_t input_image_stride;  /* bytes between the caller's images */
  /* What the kernels read: the caller's input, or staged_input when the caller's rows are
   * misaligned or a multiple of 4 KiB apart (see sprig_kernel_row_stride). */
  size_t kernel_row_stride;
  size_t kernel_image_stride;
  float* staged_input;        /* NULL, or images x K rows of kernel_row_stride bytes */
  bool stage_on_threads;      /* copy to staged_input on pools of 2+ threads too (else 1 only) */
  size_t output_row_stride;
  size_t output_image_stride;
  size_t pixel_tile;          /* pixels per task (a multiple of MR) */
  size_t pixel_tiles;         /* per image */
  struct sprig_channel_range* ranges;
  size_t range_count;
};

/* Tasks a run is cut into at least (when the shape allows), whatever the thread count, so that
 * the work split (and so every result bit) never depends on the pool. */
#define SPRIG_TARGET_TASKS 32

/* 1 x 4 / 1 x 8 block weights run one input vector at a time (src/operators/bspmv-operator.c). */
struct sprig_bspmv_plan {
  bool active;           /* reshaped for the block-sparse matrix-vector kernels */
  size_t vectors;        /* input vectors: batch rows or 1x1 images */
  float* padded_input;   /* vectors x padded_cols floats when K % C != 0, else NULL */
  size_t padded_cols;    /* round_up(K, C) */
  size_t range_count;
  size_t* range_rows;    /* range_count + 1 row bounds */
};

struct sprig_operator {
  enum sprig_operator_type type;
  enum sprig_operator_state state;
  size_t rows;                  /* output channels / features */
  size_t cols;                  /* input channels / features */
  size_t nnz;                   /* nonzero weights */
  /* The packed weights, referenced only while a kernel reads them (1 x C blocks, whose SpMM
   * stream is built at the first reshape that needs it); NULL for the others. */
  struct sprig_weights* weights;
  const struct sprig_f32_spmm_ukernel* chosen_ukernel; /* at create, for wide problems */
  const struct sprig_f32_spmm_ukernel* ukernel;        /* at reshape, fitted to the pixel count */
  struct sprig_f32_minmax_params params;
  /* kernel weights, input-row steps, per-unit counts; weights NULL until built (deferred when
   * the matrix-vector kernels apply) */
  struct sprig_spmm_stream stream;

  /* N:M weights use their own kernel family (ukernel and stream above stay unused). */
  const struct sprig_f32_nmspmm_ukernel* nm_chosen_ukernel;
  const struct sprig_f32_nmspmm_ukernel* nm_ukernel;
  float* nm_weights;          /* per output channel: bias, groups * n values */
  uint8_t* nm_indices;        /* per output channel: groups * n in-run indices (a copy) */
  size_t nm_groups;           /* runs of m per row */
  size_t nm_n;
  size_t nm_m;

  /* 1 x 4 / 1 x 8 block weights with a matrix-vector kernel for them: the kernel (NULL
   * otherwise) and its view of the weights; used when a reshape gives problems of fewer than 4
   * input vectors. */
  const struct sprig_f32_bspmv_ukernel* bspmv_ukernel;
  struct sprig_bspmv_weights {
    size_t width;               /* C: input features per block */
    const float* values;        /* the packed weights' values (not copied) */
    const uint16_t* cols;       /* block columns: the packed weights' */
    const uint32_t* block_ptr;  /* rows + 1 block offsets: the packed weights' */
    float* bias;                /* rows values (zeros without bias) */
    uint32_t* nblocks;          /* per row */
  } bspmv_weights;
  struct sprig_bspmv_plan bspmv;

  /* conv2d: input channels = cols (1x1 kernels). */
  size_t batch;
  size_t height;
  size_t width;

  struct sprig_spmm_plan plan;
  /* linear with batch > 1: transposed copies of input [K][B] and output [N][B]. */
  float* transposed_input;
  float* transposed_output;

  const float* input;
  float* output;
};

/* Validates min/max/flags, takes a reference on `weights`, builds the kernel weight stream and
 * chooses the kernel. On error nothing is allocated and *op_out is untouched. */
enum sprig_status sprig_create_spmm_operator(
    enum sprig_operator_type type, struct sprig_weights* weights, const float* bias,
    float output_min, float output_max, uint32_t flags, const char* caller, sprig_operator_t* op_out);

/* Plans tasks for `images` images of `pixels` pixels with the given strides
 * (in bytes). Keeps the previous plan on error. */
enum sprig_status sprig_plan_spmm(
    struct sprig_operator* op, size_t images, size_t pixels, size_t input_row_stride,
    size_t input_image_stride, size_t output_row_stride, size_t output_image_stride, const char* caller);

/* The row stride (bytes) at which SIMD kernels read rows of `pixels` floats best: a multiple of
 * the 64-byte cache line (no load splits a line) that is not a multiple of 4 KiB (rows would
 * share L1 sets). */
size_t sprig_padded_row_stride(size_t pixels);

/* Rows of `pixels` floats `row_stride` bytes apart: sprig_padded_row_stride(pixels) for rows of
 * 16+ pixels that are misaligned or 4 KiB apart, else row_stride. */
size_t sprig_aligned_row_stride(size_t pixels, size_t row_stride);

/* The input row stride the kernels of `op` should read for rows of `pixels` floats that are
 * `row_stride` bytes apart: row_stride itself, or sprig_padded_row_stride(pixels) when
 * copying the input there pays (SIMD kernel, rows of 16+ pixels that are misaligned or 4 KiB
 * apart, every input row read twice or more on average). */
size_t sprig_kernel_row_stride(const struct sprig_operator* op, size_t pixels, size_t row_stride);

/* One image's input, `cols` rows of `pixels` floats, fits in a quarter of L2 and so should stay
 * there while the kernels walk it (sets sprig_f32_minmax_params.input_cached). */
bool sprig_input_fits_cache(const struct sprig_hardware* hardware, size_t cols, size_t pixels);

/* 64-byte aligned memory for `bytes` bytes, zero-filled; NULL when out of memory. */
void* sprig_allocate_aligned(size_t bytes);

/* Runs the planned SpMM on input/output (already transposed where needed). */
void sprig_run_spmm(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool);

/* After a successful reshape: tensors unbound, setup needed. */
static inline void sprig_finish_reshape(struct sprig_operator* op) {
  op->input = NULL;
  op->output = NULL;
  op->state = sprig_operator_state_reshaped;
}

/* Binds input/output after checking state, NULLs and overlap (sizes in bytes). */
enum sprig_status sprig_bind_tensors(
    struct sprig_operator* op, const float* input, size_t input_bytes, float* output, size_t output_bytes,
    const char* caller);

void sprig_run_linear(const struct sprig_operator* op, pthreadpool_t threadpool);

/* Linear batches below this run the matrix-vector kernels per batch row when they can. */
#define SPRIG_BSPMV_BELOW_BATCH 8

/* Linear batches below this run row by row when sprig_has_simd_matvec (else a narrow tile over
 * a transposed copy). */
#define SPRIG_ROW_BY_ROW_BELOW_BATCH 5

/* Whether rows of one pixel take a SIMD kernel vectorized over the weights (MR = 1: the N:M
 * matrix-vector kernels) rather than a scalar one. */
bool sprig_has_simd_matvec(const struct sprig_operator* op);

/* At create: for BLOCK 1 x C weights (C = 4, 8) and CSR weights (C = 1) of at most 65536 block
 * columns with a matrix-vector kernel of that C, sets bspmv_ukernel and bspmv_weights;
 * otherwise leaves the operator as it is. */
enum sprig_status sprig_prepare_bspmv(struct sprig_operator* op, const struct sprig_hardware* hardware,
                                      const struct sprig_weights* weights, const float* bias);
/* At reshape: plans `vectors` input vectors (K floats apart, outputs N floats apart); keeps
 * the previous plan on error. */
enum sprig_status sprig_plan_bspmv(struct sprig_operator* op, size_t vectors, const char* caller);
void sprig_clear_bspmv_plan(struct sprig_operator* op);
void sprig_free_bspmv_weights(struct sprig_operator* op);
void sprig_run_bspmv(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool);

/* Common checks of reshape/setup/run arguments. */
enum sprig_status sprig_check_operator(sprig_operator_t op, enum sprig_operator_type type, const char* caller);

#endif /* SPRIG_OPERATOR_H */
