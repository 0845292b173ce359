/*
 * sprig: sparse neural-network inference kernels.
 *
 * The only public header. Copyright (c) 2026 The sprig authors. BSD-3-Clause.
 *
 * Lifecycle of an operator (the same as XNNPACK's):
 *   sprig_initialize()            once per process (idempotent, thread-safe)
 *   sprig_create_*()              validates and packs the weights (allocates)
 *   sprig_reshape_*()             fixes the batch / spatial size, plans the work (allocates)
 *   sprig_setup_*()               binds input and output pointers (no allocation)
 *   sprig_run_operator()          computes (no allocation; pthreadpool or serial)
 *   sprig_delete_operator()       frees everything the operator owns
 *
 * Every entry point returns a status. On any error nothing the caller passed in is written
 * (output pointers, tensors) and the reason is logged (see sprig_set_log_callback).
 *
 * Memory-access contract: kernels never read or write outside the input and output
 * tensors described by the shapes you give (no over-read, no over-write), so tensors need no
 * padding and may end at a page boundary.
 *
 * Non-finite values. Operators multiply each input by the weights *stored* for it: the
 * nonzeros, plus the zeros a format stores (inside BLOCK / GROUP blocks, CSR bridges over gaps
 * of more than 255 columns, N:M padding). A NaN or +-Inf weight, or a NaN input met by a
 * stored weight, propagates as in IEEE arithmetic. A zero weight that is not stored never
 * touches its input, so where an input is +-Inf or NaN and only zero weights meet it, sprig
 * gives a finite (or +-Inf) result where a dense product would give NaN (0 x Inf). A stored
 * zero times an Inf input gives NaN, as in a dense product. N:M runs with fewer than n
 * nonzeros are padded with stored zeros placed on a column of the same run whose weight is
 * zero, so they add 0 x input exactly where a dense product does; the one exception is a
 * row's last run when it is shorter than n columns and all of them are nonzero (cols mod m
 * < n): its padding sits on the run's first column, so an +-Inf input there gives NaN where
 * the dense product gives +-Inf.
 */
#ifndef SPRIG_H
#define SPRIG_H

#include <stddef.h>
#include <stdint.h>

#include <pthreadpool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPRIG_VERSION_MAJOR 0
#define SPRIG_VERSION_MINOR 1
#define SPRIG_VERSION_PATCH 0

enum sprig_status {
  sprig_status_success = 0,
  /* sprig_initialize() was not called, or failed. */
  sprig_status_uninitialized = 1,
  /* An argument is NULL, zero, out of range or its byte size overflows size_t. */
  sprig_status_invalid_parameter = 2,
  /* The call is valid but not in this order (e.g. run before setup). */
  sprig_status_invalid_state = 3,
  /* A valid request this build does not implement (e.g. a kernel size not yet supported). */
  sprig_status_unsupported_parameter = 4,
  /* SPRIG_FORCE_ISA names an instruction set this CPU lacks. */
  sprig_status_unsupported_hardware = 5,
  sprig_status_out_of_memory = 6,
  /* Sparse arrays (CSR row pointers, column indices) are inconsistent or corrupt, or the
   * weights do not follow the requested sparsity pattern. */
  sprig_status_invalid_weights = 7,
};

/* A short constant English description of a status; never NULL. */
const char* sprig_status_string(enum sprig_status status);

/* Initializes hardware detection and kernel choice. Idempotent and thread-safe; every other
 * call that needs it returns sprig_status_uninitialized until it succeeded.
 * The environment variable SPRIG_FORCE_ISA=scalar|sse2|avx2|avx512f|neonfma|wasmsimd
 * restricts kernel choice to kernels of that instruction set (scalar where a kernel family has
 * none); naming one the CPU lacks makes this call fail with sprig_status_unsupported_hardware,
 * and an unknown name with sprig_status_invalid_parameter. */
enum sprig_status sprig_initialize(void);

/* The instruction set the kernels are chosen from ("avx2", "neonfma", "scalar", ...). */
const char* sprig_isa_name(void);

/* ---- logging ---- */
enum sprig_log_level {
  sprig_log_level_none = 0,
  sprig_log_level_error = 1,
  sprig_log_level_warning = 2,
  sprig_log_level_info = 3,
  sprig_log_level_debug = 4,
};
typedef void (*sprig_log_callback)(enum sprig_log_level level, const char* message, void* user_data);
/* Routes sprig's messages to `callback` (NULL restores the default: stderr). Messages above
 * `max_level` are dropped. The default level is error, or SPRIG_LOG_LEVEL=none|error|warning|
 * info|debug from the environment. Not thread-safe with respect to concurrent sprig calls: set it
 * once at start-up. */
void sprig_set_log_callback(sprig_log_callback callback, void* user_data, enum sprig_log_level max_level);

/* ---- sparse weights ---- */
/* Weight matrices are viewed as [rows = output channels][cols = input elements]. */
enum sprig_format {
  /* Unstructured compressed sparse rows: any pattern of nonzeros. */
  SPRIG_FORMAT_CSR = 1,
  /* block_rows x block_cols tiles (each of 1, 2, 4, 8), each all-zero or stored whole. Blocks
   * along output channels (4x1, 8x1) share input loads in the kernels; blocks along inputs
   * (1x4, 1x8) and 2-D blocks (4x4) store one index per block. */
  SPRIG_FORMAT_BLOCK = 2,
  /* In every run of m consecutive inputs of a row at most n are nonzero (2:4, 1:4, 2:8, 4:8,
   * any 1 <= n < m with m in {2, 4, 8, 16}); stored as n values and n one-byte indices per run. */
  SPRIG_FORMAT_NM = 3,
  /* `group` consecutive output channels (2, 4 or 8) share one nonzero mask, each with its own
   * values (SparseByteNN-style). For the 1x1 and linear layers of this version a group is a
   * group x 1 block. */
  SPRIG_FORMAT_GROUP = 4,
  /* Packing detects the most structured pattern the weights satisfy (see README, "AUTO"). */
  SPRIG_FORMAT_AUTO = 5,
};

/* The sparsity pattern requested for a weight matrix. Only the fields of the chosen format are
 * set; the others must be zero. A NULL pattern pointer means CSR. */
struct sprig_sparsity {
  enum sprig_format format;
  uint32_t block_rows;  /* BLOCK */
  uint32_t block_cols;  /* BLOCK */
  uint32_t n;           /* NM */
  uint32_t m;           /* NM */
  uint32_t group;       /* GROUP */
};

/* Packing flag: weights that break an N:M pattern are pruned (the n largest magnitudes of each
 * run are kept) instead of refused. BLOCK and GROUP patterns hold for any weights (partial
 * blocks are stored whole), so the flag changes nothing there. */
#define SPRIG_FLAG_PRUNE 0x00000001u

/* Magnitude pruning in place of a dense row-major [rows][cols] matrix to `pattern`:
 *   CSR: the smallest |w| are zeroed until `target_sparsity` of the entries are zero;
 *   BLOCK / GROUP: whole blocks (block_rows x block_cols, or group x 1) with the smallest L2 norm
 *     are zeroed until `target_sparsity` of the blocks are zero;
 *   NM: every run keeps its n largest |w| (the pattern fixes the sparsity; target_sparsity must
 *     be 0 or at most 1 - n/m, and extra pruning beyond n per run is not done).
 * Ties keep the earlier entry. Writes the achieved fraction of zero entries (0..1) to
 * achieved_sparsity_out if not NULL. target_sparsity in [0, 1].
 * Non-finite and extreme weights rank by a total order, so pruning never fails on them:
 *   - magnitudes compare exactly (|w| for single entries, the sum of squares computed in double
 *     for blocks: no overflow near FLT_MAX, no underflow for denormals); +-Inf ranks above every
 *     finite magnitude, and NaN (of any sign or payload) above +-Inf: a unit holding a NaN is
 *     pruned last, NaNs among themselves keep the earlier one;
 *   - +0 and -0 are zero (pruned first, and counted as zeros in achieved_sparsity_out).
 * Kept weights, NaN and Inf included, are left unchanged. */
enum sprig_status sprig_prune_f32(
    size_t rows, size_t cols, float* weights, const struct sprig_sparsity* pattern, float target_sparsity,
    float* achieved_sparsity_out);

/* Packed sparse weights: immutable after packing, reference-counted, shareable by many
 * operators and threads. A weight matrix has `rows` = output channels and `cols` = input
 * elements (input features, or input channels x kernel height x kernel width). */
typedef struct sprig_weights* sprig_weights_t;

/* Packs a dense row-major [rows][cols] matrix; its exact zeros define the pattern (+0 and -0
 * are zeros; NaN, +-Inf and denormals are nonzeros, stored as they are). Weights that
 * break the requested pattern are refused with sprig_status_invalid_weights (and the first
 * offending place logged) unless flags has SPRIG_FLAG_PRUNE (then each run keeps its n
 * highest-ranked weights in sprig_prune_f32's order). Invalid pattern parameters (0
 * block sides, n >= m, unsupported m or block side, group larger than rows) are refused with
 * sprig_status_invalid_parameter or sprig_status_unsupported_parameter. */
enum sprig_status sprig_pack_weights_f32(
    size_t rows, size_t cols, const float* dense, const struct sprig_sparsity* pattern,
    uint32_t flags, sprig_weights_t* weights_out);

/* Packs the caller's own CSR arrays (copied): row_ptr[rows + 1] with row_ptr[0] == 0 and
 * row_ptr[rows] == nnz, non-decreasing; col_idx[nnz] strictly increasing within each row and
 * < cols; values[nnz]. nnz may be 0 (then col_idx and values may be NULL). Explicit zeros in
 * `values` are kept as stored entries.
 * Packed CSR takes 5 bytes per stored entry (the value and a one-byte gap to the previous
 * column) plus 4 per row. A gap of more than 255 columns is bridged by a stored zero every 255
 * columns: stored, so like a zero inside a block it multiplies its input (an Inf or NaN there
 * makes the output NaN, as in a dense product). */
enum sprig_status sprig_pack_weights_csr_f32(
    size_t rows, size_t cols, size_t nnz, const uint32_t* row_ptr, const uint32_t* col_idx,
    const float* values, uint32_t flags, sprig_weights_t* weights_out);

struct sprig_weights_info {
  /* The format stored (never AUTO: what AUTO chose) and its parameters. */
  struct sprig_sparsity pattern;
  enum sprig_format format;
  size_t rows;
  size_t cols;
  /* Nonzero weights, and values stored (nonzeros plus zeros inside blocks / padded runs /
   * CSR gap bridges). */
  size_t nnz;
  size_t stored_values;
  /* Bytes the packed representation occupies (values + indices + row structure). */
  size_t packed_bytes;
};
enum sprig_status sprig_get_weights_info(sprig_weights_t weights, struct sprig_weights_info* info_out);

/* Drops the caller's reference. Operators created from the weights keep their own, so the
 * weights may be released right after creating operators. NULL is a no-op success. */
enum sprig_status sprig_release_weights(sprig_weights_t weights);

/* ---- operators ---- */
typedef struct sprig_operator* sprig_operator_t;

/* Linear (fully connected) layer: output[b][o] = clamp(bias[o] + sum_i W[o][i] * input[b][i]).
 * Input [batch][in_features], output [batch][out_features], both dense row-major.
 * `weights` is dense row-major [out_features][in_features] (zeros define the pattern);
 * `bias` may be NULL (zero). Outputs are clamped to [output_min, output_max]
 * (use -INFINITY, +INFINITY for none); output_min must be <= output_max. flags: 0, or
 * SPRIG_FLAG_PRUNE to prune weights that break an N:M `pattern` while packing (the *_from_weights
 * variants take 0). */
enum sprig_status sprig_create_linear_f32(
    size_t in_features, size_t out_features, const float* weights, const float* bias,
    const struct sprig_sparsity* pattern, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out);

/* The same from packed weights (rows = out_features, cols = in_features); takes a reference. */
enum sprig_status sprig_create_linear_from_weights_f32(
    sprig_weights_t weights, const float* bias, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out);

enum sprig_status sprig_reshape_linear_f32(sprig_operator_t op, size_t batch);
enum sprig_status sprig_setup_linear_f32(sprig_operator_t op, const float* input, float* output);

/* 2-D convolution on NCHW tensors. This version supports 1x1 kernels with stride 1, dilation 1,
 * no padding and groups == 1 (pointwise convolution); other values are refused with
 * sprig_status_unsupported_parameter. */
struct sprig_conv2d_params {
  uint32_t kernel_height, kernel_width;
  uint32_t stride_height, stride_width;
  uint32_t dilation_height, dilation_width;
  uint32_t padding_top, padding_right, padding_bottom, padding_left;
  uint32_t groups;
  size_t input_channels;   /* per group */
  size_t output_channels;  /* per group */
};

/* `weights` dense [output_channels][input_channels][kernel_height][kernel_width]; bias, clamp and
 * flags as for sprig_create_linear_f32. */
enum sprig_status sprig_create_conv2d_nchw_f32(
    const struct sprig_conv2d_params* params, const float* weights, const float* bias,
    const struct sprig_sparsity* pattern, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out);

/* From packed weights with rows = output_channels, cols = input_channels x kh x kw. */
enum sprig_status sprig_create_conv2d_nchw_from_weights_f32(
    const struct sprig_conv2d_params* params, sprig_weights_t weights, const float* bias,
    float output_min, float output_max, uint32_t flags, sprig_operator_t* op_out);

/* Input [batch][input_channels][height][width]; the output size is written to
 * output_height_out / output_width_out when they are not NULL. */
enum sprig_status sprig_reshape_conv2d_nchw_f32(
    sprig_operator_t op, size_t batch, size_t height, size_t width,
    size_t* output_height_out, size_t* output_width_out);
enum sprig_status sprig_setup_conv2d_nchw_f32(sprig_operator_t op, const float* input, float* output);

/* Computes the operator on the bound tensors. `threadpool` may be NULL (serial on the calling
 * thread) or the caller's own pool. Results are bitwise identical for any pool. No allocation.
 * An operator must not be run concurrently with itself; distinct operators may run at once. */
enum sprig_status sprig_run_operator(sprig_operator_t op, pthreadpool_t threadpool);

/* Frees the operator. NULL is a no-op success. */
enum sprig_status sprig_delete_operator(sprig_operator_t op);

/* The microkernel the operator runs, e.g. "sprig_f32_spmm_minmax_ukernel_32x1__avx2": chosen at
 * create from the CPU and the weights, narrowed at reshape when rows are shorter than its tile;
 * NULL for a NULL operator. Valid while the operator lives. */
const char* sprig_operator_kernel_name(sprig_operator_t op);

/* Bytes of weight data the operator holds now: its kernel streams (values, biases, indices,
 * per-channel counts) plus the packed weights it still references (1x4 / 1x8 blocks, whose
 * matrix-vector kernels read them). Workspaces for inputs and outputs are not counted. CSR,
 * block and group operators hold about 4 bytes per stored value + 1 per stored entry + 8 per
 * output channel; 0 for a NULL operator. */
size_t sprig_operator_weight_bytes(sprig_operator_t op);

#ifdef __cplusplus
}
#endif

#endif /* SPRIG_H */
