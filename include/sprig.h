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
 * the dense product gives +-Inf. Depthwise 3x3 and 5x5 convolutions run dense kernels: every
 * tap is stored, zero weights included, so they propagate non-finite inputs as a dense product.
 *
 * Rounding. An output is the bias plus the stored products, summed in an order that depends on
 * the kernel; kernels with a fused multiply-add (AVX2, AVX-512, aarch64 NEON, armv7 VFPv4, and
 * WebAssembly relaxed SIMD where the engine fuses f32x4.relaxed_madd, its choice) round each
 * step once, the others twice. So results differ between ISAs in the last bits (within
 * (terms + 2) units of roundoff of the sum of magnitudes), not between runs or thread counts.
 */
#ifndef SPRIG_H
#define SPRIG_H

#include <stddef.h>
#include <stdint.h>

#include <pthreadpool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Version. These three lines are the only place the version is written: CMake reads them for
 * project(VERSION), the shared library's SONAME and the package version files.
 *
 * ABI policy. During 0.x any minor release (0.2 -> 0.3) may change the API and the ABI; patch
 * releases (0.1.0 -> 0.1.1) keep both. The shared library's SONAME therefore carries
 * MAJOR.MINOR (libsprig.so.0.3), and find_package(sprig 0.3) accepts 0.3.x only. From 1.0 on,
 * only a major release may break the ABI: the SONAME becomes libsprig.so.MAJOR and any later
 * minor release of the same major is accepted. Only the functions declared here (SPRIG_API)
 * are exported; everything else in the library is hidden.
 */
#define SPRIG_VERSION_MAJOR 0
#define SPRIG_VERSION_MINOR 3
#define SPRIG_VERSION_PATCH 0

/* The version as one comparable number (MAJOR * 10000 + MINOR * 100 + PATCH, 0.3.0 -> 300) and
 * as a string ("0.3.0"), both of the header compiled against; sprig_version() tells the
 * library's. */
#define SPRIG_VERSION (SPRIG_VERSION_MAJOR * 10000 + SPRIG_VERSION_MINOR * 100 + SPRIG_VERSION_PATCH)
#define SPRIG_VERSION_STRINGIFY_(x) #x
#define SPRIG_VERSION_STRINGIFY(x) SPRIG_VERSION_STRINGIFY_(x)
#define SPRIG_VERSION_STRING \
  SPRIG_VERSION_STRINGIFY(SPRIG_VERSION_MAJOR) "." SPRIG_VERSION_STRINGIFY(SPRIG_VERSION_MINOR) "." \
  SPRIG_VERSION_STRINGIFY(SPRIG_VERSION_PATCH)

/* SPRIG_API marks the exported functions. The library is compiled with hidden visibility and
 * SPRIG_BUILDING; users of a static build define SPRIG_STATIC (the CMake package and the .pc
 * file do it), which exports nothing, so a shared library that embeds a static sprig does not
 * re-export its API. */
#ifndef SPRIG_API
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(SPRIG_STATIC)
#define SPRIG_API
#elif defined(SPRIG_BUILDING)
#define SPRIG_API __declspec(dllexport)
#else
#define SPRIG_API __declspec(dllimport)
#endif
#elif defined(SPRIG_STATIC)
#define SPRIG_API
#elif defined(__GNUC__) && __GNUC__ >= 4
#define SPRIG_API __attribute__((visibility("default")))
#else
#define SPRIG_API
#endif
#endif

/* The version of the library linked at run time, "MAJOR.MINOR.PATCH" (may differ from
 * SPRIG_VERSION_STRING, which is the header's). Never NULL; needs no sprig_initialize(). */
SPRIG_API const char* sprig_version(void);

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
SPRIG_API const char* sprig_status_string(enum sprig_status status);

/* Initializes hardware detection and kernel choice. Idempotent and thread-safe; every other
 * call that needs it returns sprig_status_uninitialized until it succeeded.
 * The environment variable SPRIG_FORCE_ISA=scalar|sse2|avx2|avx512f|avxvnni|avx512vnni|
 * avx512fp16|neonfma|neondot|neonfp16arith|neon|neonvfpv4|wasmsimd|wasmrelaxedsimd (neon,
 * neonvfpv4: armv7 NEON without / with VFPv4 FMA) restricts kernel choice to kernels of that
 * instruction set (for an extension -- avxvnni, avx512vnni, avx512fp16, neondot, neonfp16arith,
 * wasmrelaxedsimd -- also of the ISA it extends, in families it has no kernels for; scalar where
 * a kernel family has none); naming one the CPU lacks makes this call fail with sprig_status_unsupported_hardware,
 * and an unknown name with sprig_status_invalid_parameter. */
SPRIG_API enum sprig_status sprig_initialize(void);

/* The instruction set the kernels are chosen from ("avx2", "neonfma", "scalar", ...). */
SPRIG_API const char* sprig_isa_name(void);

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
SPRIG_API void sprig_set_log_callback(
    sprig_log_callback callback, void* user_data, enum sprig_log_level max_level);

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
   * values (SparseByteNN-style): a group x 1 block of the weight matrix, which for a KxK
   * convolution is one mask over the whole input-channel x kh x kw kernel. */
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
SPRIG_API enum sprig_status sprig_prune_f32(
    size_t rows, size_t cols, float* weights, const struct sprig_sparsity* pattern, float target_sparsity,
    float* achieved_sparsity_out);

/* Packed sparse weights: immutable after packing, reference-counted, shareable by many
 * operators and threads. What operators derive from them (kernel streams) is built once, by
 * the first operator that needs it, and shared by all; operators may be created from one
 * weights object on several threads at once. A weight matrix has `rows` = output channels and
 * `cols` = input elements (input features, or input channels x kernel height x kernel width). */
typedef struct sprig_weights* sprig_weights_t;

/* Packs a dense row-major [rows][cols] matrix; its exact zeros define the pattern (+0 and -0
 * are zeros; NaN, +-Inf and denormals are nonzeros, stored as they are). Weights that
 * break the requested pattern are refused with sprig_status_invalid_weights (and the first
 * offending place logged) unless flags has SPRIG_FLAG_PRUNE (then each run keeps its n
 * highest-ranked weights in sprig_prune_f32's order). Invalid pattern parameters (0
 * block sides, n >= m, unsupported m or block side, group larger than rows) are refused with
 * sprig_status_invalid_parameter or sprig_status_unsupported_parameter.
 *   rows, cols   1 .. 2^32 - 1 each, rows x cols x 4 bytes must fit size_t.
 *   dense        rows x cols floats, read during the call only.
 *   pattern      NULL (CSR) or the format; AUTO detects it (the chosen one is in
 *                sprig_weights_info.pattern).
 *   flags        0 or SPRIG_FLAG_PRUNE.
 *   weights_out  receives the weights (one reference: sprig_release_weights); untouched on
 *                error. */
SPRIG_API enum sprig_status sprig_pack_weights_f32(
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
SPRIG_API enum sprig_status sprig_pack_weights_csr_f32(
    size_t rows, size_t cols, size_t nnz, const uint32_t* row_ptr, const uint32_t* col_idx,
    const float* values, uint32_t flags, sprig_weights_t* weights_out);

struct sprig_weights_info {
  /* The format stored (never AUTO: what AUTO chose) and its parameters. */
  struct sprig_sparsity pattern;
  size_t rows;
  size_t cols;
  /* Nonzero weights, and values stored (nonzeros plus zeros inside blocks / padded runs /
   * CSR gap bridges / int8 and f16 block gap bridges). */
  size_t nnz;
  size_t stored_values;
  /* Bytes the packed representation occupies (values + indices + row structure). */
  size_t packed_bytes;
};
SPRIG_API enum sprig_status sprig_get_weights_info(
    sprig_weights_t weights, struct sprig_weights_info* info_out);

/* Drops the caller's reference. Operators created from the weights keep their own, so the
 * weights may be released right after creating operators. NULL is a no-op success. */
SPRIG_API enum sprig_status sprig_release_weights(sprig_weights_t weights);

/* ---- serialized weights ----
 * Packed weights saved as one self-contained blob (docs/serialization.md has the layout):
 * versioned, little-endian on every target (a blob written on x86 loads on ARM and WebAssembly),
 * with a CRC-32C. Only the packed arrays are stored; operators rebuild what they derive from
 * them on first use. */

/* Writes the blob of `weights` into buffer[0 .. size) and its size to *size_out.
 *   buffer    NULL: only *size_out is written (the size to allocate).
 *   capacity  bytes at buffer; below the blob's size: invalid_parameter, nothing written.
 *   size_out  not NULL.
 * Returns success or invalid_parameter (NULL weights or size_out, capacity too small). */
SPRIG_API enum sprig_status sprig_serialize_weights(
    sprig_weights_t weights, void* buffer, size_t capacity, size_t* size_out);

/* Deserialization flag: the loaded weights point into `data` instead of copying the arrays,
 * when data is aligned for them (4 bytes; any malloc'd or mmap'd buffer is) on a little-endian
 * target (all of sprig's); otherwise the arrays are copied as without the flag. The caller keeps
 * data alive and unchanged until the weights and every operator created from them are released
 * / deleted. */
#define SPRIG_FLAG_BORROW_BUFFER 0x00000004u

/* Loads weights from a blob of exactly `size` bytes (sprig_serialize_weights' *size_out). The
 * blob is not trusted: its magic, version, dtype, pattern, sizes (against `size`), CRC-32C and
 * every index and row pointer are checked before use. Weights from a blob behave as the
 * weights it was made from (same operators, bitwise identical outputs).
 *   flags        0 or SPRIG_FLAG_BORROW_BUFFER.
 *   weights_out  receives the weights (one reference: sprig_release_weights); untouched on error.
 * Returns success; uninitialized; invalid_parameter (NULL data or weights_out, unknown flags);
 * invalid_weights (not a blob, another format version, truncated, CRC mismatch, or any field
 * or array inconsistent; the reason is logged); out_of_memory. */
SPRIG_API enum sprig_status sprig_deserialize_weights(
    const void* data, size_t size, uint32_t flags, sprig_weights_t* weights_out);

/* ---- operators ---- */
typedef struct sprig_operator* sprig_operator_t;

/* Linear (fully connected) layer. After reshape(batch) and setup(input, output), a run computes
 *   for b < batch, o < out_features:
 *     output[b][o] = min(max(bias[o] + sum_{i < in_features} W[o][i] * input[b][i], output_min), output_max)
 * (a NaN sum stays NaN). Input [batch][in_features] and output [batch][out_features] are dense
 * row-major and must not overlap.
 *
 *   in_features   K, columns of W: 1 .. 2^32 - 1.
 *   out_features  N, rows of W: 1 .. 2^32 - 1 (and N x K x 4 bytes must fit size_t).
 *   weights       dense row-major [out_features][in_features]; its exact zeros define the
 *                 pattern (see sprig_pack_weights_f32). Read during the call only.
 *   bias          out_features values, or NULL for zeros. Copied.
 *   pattern       the sparsity format to pack into (NULL: CSR; AUTO: detected). Copied.
 *   output_min,
 *   output_max    the clamp: not NaN, output_min <= output_max; -INFINITY, +INFINITY for none.
 *   flags         0, or SPRIG_FLAG_PRUNE to prune weights that break an N:M pattern while packing.
 *   op_out        receives the operator; untouched on error.
 * Returns sprig_status_success, or: uninitialized; invalid_parameter (NULL op_out or weights,
 * zero or too large sizes, bad clamp or flags, bad pattern fields); unsupported_parameter
 * (block side, group or m not supported); invalid_weights (weights break an N:M pattern
 * without SPRIG_FLAG_PRUNE); out_of_memory. */
SPRIG_API enum sprig_status sprig_create_linear_f32(
    size_t in_features, size_t out_features, const float* weights, const float* bias,
    const struct sprig_sparsity* pattern, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out);

/* The same layer from packed weights (rows = out_features, cols = in_features), which the
 * operator references (the caller may release its own reference right away). Operators created
 * from one weights object share everything derived from it (see sprig_operator_weight_bytes).
 *   weights       packed weights, not NULL.
 *   bias, output_min, output_max, op_out: as for sprig_create_linear_f32.
 *   flags         0. */
SPRIG_API enum sprig_status sprig_create_linear_from_weights_f32(
    sprig_weights_t weights, const float* bias, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out);

/* Fixes the batch and plans the work (chooses the kernel tile, splits it into tasks, allocates
 * workspaces: transposed copies of input and output for batches the kernels take as pixels).
 *   op     a linear operator.
 *   batch  rows of input and output: >= 1, batch x in_features x 4 and batch x out_features x 4
 *          bytes must fit size_t.
 * Unbinds the tensors (setup again). On error the previous plan is kept. */
SPRIG_API enum sprig_status sprig_reshape_linear_f32(sprig_operator_t op, size_t batch);

/* Binds the tensors of the next runs; no allocation.
 *   op      a reshaped linear operator.
 *   input   [batch][in_features] floats; read by runs.
 *   output  [batch][out_features] floats; written by runs; must not overlap input. */
SPRIG_API enum sprig_status sprig_setup_linear_f32(
    sprig_operator_t op, const float* input, float* output);

/* 2-D convolution on NCHW tensors, as PyTorch's Conv2d: any kernel size, stride, dilation,
 * asymmetric zero padding and groups (depthwise: groups == all input channels, input_channels
 * == 1, output_channels == the channel multiplier). Counts are per group. */
struct sprig_conv2d_params {
  uint32_t kernel_height, kernel_width;     /* 1 .. 64 */
  uint32_t stride_height, stride_width;     /* 1 .. 16 */
  uint32_t dilation_height, dilation_width; /* 1 .. 64 */
  uint32_t padding_top, padding_right, padding_bottom, padding_left; /* 0 .. 1024 */
  uint32_t groups;                          /* >= 1 */
  size_t input_channels;   /* per group: >= 1 */
  size_t output_channels;  /* per group: >= 1 */
};

/* Create flag (conv2d_nchw only): the input is NHWC, [batch][height][width][groups x
 * input_channels] (an image as decoded), instead of NCHW; the output stays NCHW. The first
 * layer of an NCHW network takes the image this way without a separate transpose. */
#define SPRIG_FLAG_INPUT_NHWC 0x00000002u

/* A convolution layer. After reshape(batch, height, width) and setup(input, output), a run
 * computes, with G = groups, I = input_channels, O = output_channels (per group), for every
 * group g < G, output channel o < O of the group, output pixel (y, x):
 *   output[b][g*O + o][y][x] = min(max(bias[g*O + o] + sum over c < I, ky < kernel_height,
 *       kx < kernel_width of W[g*O + o][c][ky][kx] * in(b, g*I + c, y*stride_height +
 *       ky*dilation_height - padding_top, x*stride_width + kx*dilation_width - padding_left),
 *       output_min), output_max)
 * where in() is 0 outside the input (zero padding). Output size:
 *   output_height = (height + padding_top + padding_bottom - dilation_height*(kernel_height-1) - 1)
 *                   / stride_height + 1 (rounded down), and the same for the width.
 * The weight matrix is [G*O rows][I*kernel_height*kernel_width columns]: every sparsity format
 * applies to it row by row as to a linear layer's (GROUP: `group` output channels share one
 * mask over the whole I x kh x kw kernel). Blocks may straddle groups; blocks of four output
 * channels with one mask share their input loads in the kernels when they lie inside one
 * group (O a multiple of 4).
 *   params        the shape (see struct sprig_conv2d_params), not NULL. Copied.
 *   weights       dense [G*O][I][kernel_height][kernel_width]; zeros define the pattern. Read
 *                 during the call only.
 *   bias          G*O values, or NULL for zeros. Copied.
 *   flags         0, SPRIG_FLAG_PRUNE and/or SPRIG_FLAG_INPUT_NHWC.
 *   pattern, output_min, output_max, op_out: as for sprig_create_linear_f32.
 * Returns what sprig_create_linear_f32 returns; invalid_parameter names the field of params
 * that is out of range. */
SPRIG_API enum sprig_status sprig_create_conv2d_nchw_f32(
    const struct sprig_conv2d_params* params, const float* weights, const float* bias,
    const struct sprig_sparsity* pattern, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out);

/* The same from packed weights with rows = G*O and cols = I x kernel_height x kernel_width
 * (invalid_parameter otherwise); references them like sprig_create_linear_from_weights_f32.
 * flags: 0 or SPRIG_FLAG_INPUT_NHWC. */
SPRIG_API enum sprig_status sprig_create_conv2d_nchw_from_weights_f32(
    const struct sprig_conv2d_params* params, sprig_weights_t weights, const float* bias,
    float output_min, float output_max, uint32_t flags, sprig_operator_t* op_out);

/* Fixes the input size and plans the work (workspaces for padded inputs are allocated here).
 *   op                 a conv2d_nchw operator.
 *   batch, height,
 *   width              of the input: each >= 1, the kernel (dilated) must fit in the padded
 *                      input, and the input and output byte sizes must fit size_t.
 *   output_height_out,
 *   output_width_out   receive the output size when not NULL; untouched on error.
 * Unbinds the tensors (setup again). On error the previous plan is kept. */
SPRIG_API enum sprig_status sprig_reshape_conv2d_nchw_f32(
    sprig_operator_t op, size_t batch, size_t height, size_t width,
    size_t* output_height_out, size_t* output_width_out);

/* Binds the tensors of the next runs; no allocation.
 *   input   [batch][G*I][height][width] floats ([batch][height][width][G*I] with
 *           SPRIG_FLAG_INPUT_NHWC).
 *   output  [batch][G*O][output_height][output_width] floats; must not overlap. */
SPRIG_API enum sprig_status sprig_setup_conv2d_nchw_f32(
    sprig_operator_t op, const float* input, float* output);

/* ---- companions of an NCHW network (no weights; same lifecycle and status rules) ---- */

/* These operators run plain C compiled for the target's baseline (SSE2, NEON, SIMD128): their
 * kernel names carry no ISA and SPRIG_FORCE_ISA does not change them; sprig_operator_weight_bytes
 * is 0 for them. Reshape unbinds the tensors and keeps the previous plan on error, as above.
 *
 * Global average pooling: output[b][c] = clamp(mean over y, x of input[b][c][y][x]). Each
 * channel is summed in 8 interleaved partial sums added in a fixed order, then multiplied by
 * 1 / (height x width): the last bits may differ from a sequential sum, never between runs or
 * pools. NaN stays NaN.
 *   channels  >= 1.  output_min, output_max: as for linear.  flags: 0. */
SPRIG_API enum sprig_status sprig_create_global_average_pooling_nchw_f32(
    size_t channels, float output_min, float output_max, uint32_t flags, sprig_operator_t* op_out);
/* batch, height, width >= 1; byte sizes must fit size_t. */
SPRIG_API enum sprig_status sprig_reshape_global_average_pooling_nchw_f32(
    sprig_operator_t op, size_t batch, size_t height, size_t width);
/* input [batch][channels][height][width], output [batch][channels]; must not overlap. */
SPRIG_API enum sprig_status sprig_setup_global_average_pooling_nchw_f32(
    sprig_operator_t op, const float* input, float* output);

/* Element-wise addition of two tensors of the same shape (residual connections):
 * output[i] = clamp(a[i] + b[i]). flags: 0. */
SPRIG_API enum sprig_status sprig_create_add_f32(
    float output_min, float output_max, uint32_t flags, sprig_operator_t* op_out);
/* elements >= 1 (the whole tensor, batch included); byte size must fit size_t. */
SPRIG_API enum sprig_status sprig_reshape_add_f32(sprig_operator_t op, size_t elements);
/* a, b, output: `elements` floats each. a and b may overlap each other; output may be a or b
 * exactly (in place), but must not otherwise overlap either. */
SPRIG_API enum sprig_status sprig_setup_add_f32(
    sprig_operator_t op, const float* a, const float* b, float* output);

/* Layout conversion between NHWC [batch][height][width][channels] and NCHW
 * [batch][channels][height][width]. channels >= 1; flags: 0. */
SPRIG_API enum sprig_status sprig_create_convert_nhwc_to_nchw_f32(
    size_t channels, uint32_t flags, sprig_operator_t* op_out);
SPRIG_API enum sprig_status sprig_create_convert_nchw_to_nhwc_f32(
    size_t channels, uint32_t flags, sprig_operator_t* op_out);
/* For either conversion: batch, height, width >= 1; byte size must fit size_t. */
SPRIG_API enum sprig_status sprig_reshape_convert_f32(
    sprig_operator_t op, size_t batch, size_t height, size_t width);
/* input and output: batch x height x width x channels floats each; must not overlap. */
SPRIG_API enum sprig_status sprig_setup_convert_f32(
    sprig_operator_t op, const float* input, float* output);
/* The same conversions for 16-bit elements (f16 tensors, as uint16_t) and 8-bit ones (qs8
 * tensors): values are copied bit for bit, so any zero point and scale carry over. An operator
 * of one element size is refused by the others' reshape and setup. */
SPRIG_API enum sprig_status sprig_create_convert_nhwc_to_nchw_x16(
    size_t channels, uint32_t flags, sprig_operator_t* op_out);
SPRIG_API enum sprig_status sprig_create_convert_nchw_to_nhwc_x16(
    size_t channels, uint32_t flags, sprig_operator_t* op_out);
SPRIG_API enum sprig_status sprig_reshape_convert_x16(
    sprig_operator_t op, size_t batch, size_t height, size_t width);
SPRIG_API enum sprig_status sprig_setup_convert_x16(
    sprig_operator_t op, const uint16_t* input, uint16_t* output);
SPRIG_API enum sprig_status sprig_create_convert_nhwc_to_nchw_x8(
    size_t channels, uint32_t flags, sprig_operator_t* op_out);
SPRIG_API enum sprig_status sprig_create_convert_nchw_to_nhwc_x8(
    size_t channels, uint32_t flags, sprig_operator_t* op_out);
SPRIG_API enum sprig_status sprig_reshape_convert_x8(
    sprig_operator_t op, size_t batch, size_t height, size_t width);
SPRIG_API enum sprig_status sprig_setup_convert_x8(
    sprig_operator_t op, const int8_t* input, int8_t* output);

/* ---- int8: qs8 (int8 activations) and qd8 (f32 activations quantized per row at run time) ----
 *
 * The TFLite / XNNPACK conventions: int8 activations with a zero point and a scale (real value
 * = scale x (q - zero_point)); int8 weights, symmetric (zero point 0), one scale per output
 * channel; int32 bias in units of input_scale x weight_scales[o]. Zeros in the weights define the
 * sparsity pattern, as for f32. For every output channel o the operators compute, in int32
 * arithmetic that wraps on overflow (not reached unless a row has ~2^31 / (127 x 255) = 66 000
 * nonzeros of extreme values):
 *   acc = bias[o] + sum_i W[o][i] * (x[i] - input_zero_point)
 * qs8 outputs: y = clamp(round_to_nearest_even((float) acc * s[o]) + output_zero_point,
 *                        output_min, output_max),
 *   s[o] = input_scale * weight_scales[o] / output_scale, computed in float in that order (as
 *   XNNPACK's fp32 requantization does). Bit-exact on every ISA and pool.
 * Packed int8 weights take, per stored value: CSR 2 bytes (value + column gap) plus 4 per row;
 * BLOCK / GROUP 1 byte plus a 1-byte column gap per block and 4 per block row (steps over 255
 * blocks store zero bridge blocks, as CSR bridges its gaps); N:M 2. Kernels take four
 * consecutive input channels per weight entry (dot-product instructions: NEON sdot, x86
 * vpdpbusd), so 1x4 / 1x8 blocks and N:M with m = 4 fill every lane; unstructured weights cost
 * one entry per group of four input channels holding a nonzero. */

/* Packs a dense row-major int8 [rows][cols] matrix (zeros define the pattern), as
 * sprig_pack_weights_f32 does for floats; the weights can only make qs8 / qd8 operators. */
SPRIG_API enum sprig_status sprig_pack_weights_qs8(
    size_t rows, size_t cols, const int8_t* dense, const struct sprig_sparsity* pattern,
    uint32_t flags, sprig_weights_t* weights_out);

/* Linear layer on int8 activations: input [batch][in_features], output [batch][out_features],
 * int8, row-major, not overlapping.
 *   input_zero_point, input_scale     of the input (scale finite and > 0).
 *   weights        dense int8 [out_features][in_features]; read during the call only.
 *   weight_scales  out_features scales (finite, > 0). Copied.
 *   bias           out_features int32 values, or NULL for zeros. Copied.
 *   output_zero_point, output_scale   of the output (scale finite and > 0); every s[o] must be
 *                  a finite float > 0.
 *   output_min <= output_max          the clamp, in quantized units.
 *   pattern, flags, op_out            as for sprig_create_linear_f32. */
SPRIG_API enum sprig_status sprig_create_linear_qs8(
    size_t in_features, size_t out_features, int8_t input_zero_point, float input_scale,
    const int8_t* weights, const float* weight_scales, const int32_t* bias,
    int8_t output_zero_point, float output_scale, int8_t output_min, int8_t output_max,
    const struct sprig_sparsity* pattern, uint32_t flags, sprig_operator_t* op_out);
/* The same from weights packed by sprig_pack_weights_qs8 (referenced; flags 0). */
SPRIG_API enum sprig_status sprig_create_linear_from_weights_qs8(
    sprig_weights_t weights, int8_t input_zero_point, float input_scale, const float* weight_scales,
    const int32_t* bias, int8_t output_zero_point, float output_scale, int8_t output_min,
    int8_t output_max, uint32_t flags, sprig_operator_t* op_out);
/* batch >= 1 (byte sizes must fit size_t). Unbinds the tensors; keeps the previous plan on error. */
SPRIG_API enum sprig_status sprig_reshape_linear_qs8(sprig_operator_t op, size_t batch);
SPRIG_API enum sprig_status sprig_setup_linear_qs8(sprig_operator_t op, const int8_t* input, int8_t* output);

/* Convolution on int8 NCHW activations: the shapes, padding, groups and flags of
 * sprig_create_conv2d_nchw_f32 (SPRIG_FLAG_INPUT_NHWC included); padding reads
 * input_zero_point (a real zero). Quantization arguments as for sprig_create_linear_qs8, with
 * G*O weight scales and biases. Depthwise 3x3 / 5x5 layers that f32 runs on its direct depthwise
 * kernels (stride 1 or 2, left padding (k - 1) / 2, the others at most that, NCHW input) run
 * those on the input as floats x - input_zero_point, whose sums are exact integers, then add the
 * bias and requantize as above (same results); their reshape allocates an f32 workspace of
 * 4 x G*O x (input + output plane) bytes (images are computed one after the other). */
SPRIG_API enum sprig_status sprig_create_conv2d_nchw_qs8(
    const struct sprig_conv2d_params* params, int8_t input_zero_point, float input_scale,
    const int8_t* weights, const float* weight_scales, const int32_t* bias,
    int8_t output_zero_point, float output_scale, int8_t output_min, int8_t output_max,
    const struct sprig_sparsity* pattern, uint32_t flags, sprig_operator_t* op_out);
SPRIG_API enum sprig_status sprig_create_conv2d_nchw_from_weights_qs8(
    const struct sprig_conv2d_params* params, sprig_weights_t weights, int8_t input_zero_point,
    float input_scale, const float* weight_scales, const int32_t* bias, int8_t output_zero_point,
    float output_scale, int8_t output_min, int8_t output_max, uint32_t flags, sprig_operator_t* op_out);
/* As sprig_reshape_conv2d_nchw_f32. */
SPRIG_API enum sprig_status sprig_reshape_conv2d_nchw_qs8(
    sprig_operator_t op, size_t batch, size_t height, size_t width,
    size_t* output_height_out, size_t* output_width_out);
SPRIG_API enum sprig_status sprig_setup_conv2d_nchw_qs8(sprig_operator_t op, const int8_t* input, int8_t* output);

/* int8 companions of an NCHW network (no weights; lifecycle and status rules of the f32
 * companions above). The add runs a SIMD kernel of the best ISA (sprig_operator_kernel_name
 * names it); results are bit-exact on every ISA and pool.
 *
 * Element-wise addition of two int8 tensors of the same shape (residual connections), each
 * with its own zero point and scale:
 *   y = clamp(round_to_nearest_even(va + vb) + output_zero_point, output_min, output_max)
 *   va = (float) (a - a_zero_point) * ma,  vb = (float) (b - b_zero_point) * mb
 *   ma = a_scale / output_scale, mb = b_scale / output_scale (computed in float)
 * each product and the sum rounded to float on their own (never fused). Scales finite and > 0,
 * ma and mb > 0 and < 256; output_min <= output_max. flags: 0. */
SPRIG_API enum sprig_status sprig_create_add_qs8(
    int8_t a_zero_point, float a_scale, int8_t b_zero_point, float b_scale, int8_t output_zero_point,
    float output_scale, int8_t output_min, int8_t output_max, uint32_t flags, sprig_operator_t* op_out);
/* As sprig_reshape_add_f32 / sprig_setup_add_f32, on `elements` int8 values each (in place:
 * output may be a or b exactly). */
SPRIG_API enum sprig_status sprig_reshape_add_qs8(sprig_operator_t op, size_t elements);
SPRIG_API enum sprig_status sprig_setup_add_qs8(
    sprig_operator_t op, const int8_t* a, const int8_t* b, int8_t* output);

/* Global average pooling of int8 NCHW tensors: per (image, channel), with P = height x width,
 *   acc = sum over the P pixels of (x - input_zero_point)   (int32, exact)
 *   y = clamp(round_to_nearest_even((float) acc * s) + output_zero_point, output_min, output_max)
 *   s = input_scale / (output_scale x P), computed in double and rounded to float once.
 * channels >= 1; scales finite and > 0; output_min <= output_max; flags: 0. */
SPRIG_API enum sprig_status sprig_create_global_average_pooling_nchw_qs8(
    size_t channels, int8_t input_zero_point, float input_scale, int8_t output_zero_point,
    float output_scale, int8_t output_min, int8_t output_max, uint32_t flags, sprig_operator_t* op_out);
/* batch, height, width >= 1; P at most 8 421 504 (2^31 / 255, so that acc cannot overflow) and
 * s a float > 0; byte sizes must fit size_t. */
SPRIG_API enum sprig_status sprig_reshape_global_average_pooling_nchw_qs8(
    sprig_operator_t op, size_t batch, size_t height, size_t width);
/* input [batch][channels][height][width], output [batch][channels]; must not overlap. */
SPRIG_API enum sprig_status sprig_setup_global_average_pooling_nchw_qs8(
    sprig_operator_t op, const int8_t* input, int8_t* output);

/* Linear layer with dynamically quantized input (qd8): f32 input [batch][in_features] and f32
 * output [batch][out_features], int8 weights with per-channel scales. Each run quantizes every
 * input row b on its own, asymmetrically over [lo, hi] = [min(0, min x), max(0, max x)]:
 *   scale_b = (hi - lo) / 255 (computed in double, rounded to float, at least 2^-100; 1 when
 *   hi == lo), zero_point_b = clamp(rne(-128 - lo / scale_b), -128, 127),
 *   q = clamp(rne(x * (1 / scale_b)) + zero_point_b, -128, 127)
 * then output[b][o] = clamp((float) acc * (scale_b * weight_scales[o]) + bias[o], output_min,
 * output_max) with acc = sum_i W[o][i] * (q[i] - zero_point_b) in int32. A row holding NaN or
 * +-Inf gives a NaN output row. Results match a plain-C evaluation of these formulas bit for bit.
 *   weights, weight_scales, pattern, flags, op_out: as for sprig_create_linear_qs8.
 *   bias          out_features floats, or NULL for zeros. Copied.
 *   output_min, output_max   as for sprig_create_linear_f32. */
SPRIG_API enum sprig_status sprig_create_linear_qd8_f32(
    size_t in_features, size_t out_features, const int8_t* weights, const float* weight_scales,
    const float* bias, float output_min, float output_max, const struct sprig_sparsity* pattern,
    uint32_t flags, sprig_operator_t* op_out);
SPRIG_API enum sprig_status sprig_create_linear_from_weights_qd8_f32(
    sprig_weights_t weights, const float* weight_scales, const float* bias, float output_min,
    float output_max, uint32_t flags, sprig_operator_t* op_out);
SPRIG_API enum sprig_status sprig_reshape_linear_qd8_f32(sprig_operator_t op, size_t batch);
SPRIG_API enum sprig_status sprig_setup_linear_qd8_f32(sprig_operator_t op, const float* input, float* output);

/* ---- f16: IEEE 754 half precision (binary16) ----
 *
 * Weights, bias, input and output are halves passed as their uint16_t bit patterns (convert
 * with _cvtss_sh / vcvt / a compiler's _Float16 / __fp16). The operators compute the formulas of
 * their f32 counterparts (same shapes, patterns, flags and rules for non-finite values, except
 * that N:M padding on a column its run already stores is left out, so the short-last-run
 * exception does not apply), with:
 *   - every half converted exactly (to f32 where a kernel widens);
 *   - sums: the kernels of the neonfp16arith and avx512fp16 ISAs accumulate in half precision, one
 *     rounding per fused multiply-add, bias first; every other path (F16C + FMA on x86, NEON,
 *     WebAssembly, scalar) widens to f32, accumulates in f32 and rounds to half once, at the store;
 *   - where the CPU has neither half arithmetic nor F16C (NEON without fp16 arithmetic,
 *     WebAssembly, scalar builds), and with F16C for linear layers that run no matrix-vector
 *     kernel (below) at batches below 16, or at any batch when their output channels come in
 *     blocks (BLOCK of 2+ rows, GROUP), the operator runs an f32 operator of its type on a float copy
 *     of the weights (N:M: same runs, 5 bytes per slot; other formats: CSR, 5 bytes per stored
 *     entry + 4 per row; made once per weights object by the first such reshape and shared by
 *     its operators, plus what that f32 operator derives
 *     from it; counted by sprig_operator_weight_bytes; plus f32 workspaces for the whole input and
 *     output): the input widened once per run, each output rounded to half once; the f32 sums
 *     above, at about f32 speed, on the kernels an f32 layer of those nonzeros would run;
 *   - linear layers at batches 1 to 3, any format but 1 x 4 / 1 x 8 blocks, run on every CPU the
 *     f32 batch-1 kernels on sliced rows of their nonzeros wherever an f32 CSR layer of those
 *     nonzeros would (rows that pad little in slices): f32 sums rounded to half once, at f32 speed
 *     (the layout is built once per weights object, about 7 bytes per nonzero, counted by
 *     sprig_operator_weight_bytes); with AVX-512F, CSR layers at batches 1 to 15 run the f32
 *     windowed kernel where an f32 CSR layer would (its layout: 5 bytes per slot, about 2 slots
 *     per nonzero at 90% sparsity, also counted), f32 sums also with AVX512-FP16;
 *   - linear layers of 1 x 4 / 1 x 8 blocks at batches 1 to 7 run block matrix-vector kernels, as
 *     f32 ones do: on the packed halves where the CPU widens halves in hardware (F16C x86,
 *     aarch64), else (WebAssembly, armv7, scalar builds) the f32 kernels on an f32 copy of the
 *     blocks (4 bytes per stored value + 2 per block, made once per weights object, counted);
 *     f32 sums rounded to half once;
 *   - the clamp: output_min and output_max (not NaN, min <= max) are rounded to the nearest half
 *     (beyond +-65504: +-Inf) and applied in the accumulation's precision. A sum beyond the half
 *     range becomes +-Inf (before the clamp).
 * Accuracy: with S = |bias[o]| + sum_i |W[o][i] x input[b][i]| over the e entries a row stores, and
 * the exact result r (computed in double), an output y satisfies
 *   |y - clamp(r)| <= (2e + 2) x 2^-11 x S + (2e + 2) x 2^-24
 * for both kinds of kernel, while no partial sum leaves the half range (the f32-accumulating
 * kernels are within about 2^-11 x |r| + 2^-25: one half rounding); the tests check this bound
 * against a double-precision reference. Results are
 * bitwise identical for any pool, as for f32; they may differ in the last bits between ISAs.
 * Packed f16 weights take 2 bytes per stored value (CSR: plus a 1-byte column gap; plus 4 per row;
 * BLOCK / GROUP: plus a 1-byte column gap per block, as int8 weights; N:M: as for f32 with
 * 2-byte values). sprig_operator_weight_bytes counts the f16 kernel stream (3 bytes per stored
 * entry + 4 per output channel) plus 4 per output channel (plus the f32 copies above); the
 * stream and the copies are built by the first reshape that needs them, so a layer that never
 * runs f16 SpMM tiles holds no stream. */

/* Packs a dense row-major half [rows][cols] matrix, as sprig_pack_weights_f32 does for floats
 * (+0 and -0 are zeros; NaN, +-Inf and subnormals are nonzeros; patterns, AUTO and
 * SPRIG_FLAG_PRUNE as there, magnitudes ranked on the exact values). The weights can only make
 * f16 operators. rows x cols x 4 bytes must fit size_t (packing goes through a float image). */
SPRIG_API enum sprig_status sprig_pack_weights_f16(
    size_t rows, size_t cols, const uint16_t* dense, const struct sprig_sparsity* pattern,
    uint32_t flags, sprig_weights_t* weights_out);

/* Linear layer on halves: sprig_create_linear_f32 with half weights [out_features][in_features]
 * and bias (out_features halves, or NULL for zeros; copied). Returns what it returns; weights
 * packed by another packer than sprig_pack_weights_f16 are invalid_parameter. */
SPRIG_API enum sprig_status sprig_create_linear_f16(
    size_t in_features, size_t out_features, const uint16_t* weights, const uint16_t* bias,
    const struct sprig_sparsity* pattern, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out);
/* The same from weights packed by sprig_pack_weights_f16 (referenced; flags 0). */
SPRIG_API enum sprig_status sprig_create_linear_from_weights_f16(
    sprig_weights_t weights, const uint16_t* bias, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out);
/* As sprig_reshape_linear_f32 (byte sizes with 2-byte elements). */
SPRIG_API enum sprig_status sprig_reshape_linear_f16(sprig_operator_t op, size_t batch);
/* input [batch][in_features], output [batch][out_features] halves; must not overlap. */
SPRIG_API enum sprig_status sprig_setup_linear_f16(
    sprig_operator_t op, const uint16_t* input, uint16_t* output);

/* Convolution on halves: sprig_create_conv2d_nchw_f32's shapes, padding, groups and flags
 * (SPRIG_FLAG_PRUNE, SPRIG_FLAG_INPUT_NHWC) with half weights and bias. */
SPRIG_API enum sprig_status sprig_create_conv2d_nchw_f16(
    const struct sprig_conv2d_params* params, const uint16_t* weights, const uint16_t* bias,
    const struct sprig_sparsity* pattern, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out);
/* From weights packed by sprig_pack_weights_f16 (rows = G*O, cols = I x kh x kw); flags 0 or
 * SPRIG_FLAG_INPUT_NHWC. */
SPRIG_API enum sprig_status sprig_create_conv2d_nchw_from_weights_f16(
    const struct sprig_conv2d_params* params, sprig_weights_t weights, const uint16_t* bias,
    float output_min, float output_max, uint32_t flags, sprig_operator_t* op_out);
/* As sprig_reshape_conv2d_nchw_f32. */
SPRIG_API enum sprig_status sprig_reshape_conv2d_nchw_f16(
    sprig_operator_t op, size_t batch, size_t height, size_t width,
    size_t* output_height_out, size_t* output_width_out);
/* input [batch][G*I][height][width] halves ([batch][height][width][G*I] with
 * SPRIG_FLAG_INPUT_NHWC), output [batch][G*O][output_height][output_width]; must not overlap. */
SPRIG_API enum sprig_status sprig_setup_conv2d_nchw_f16(
    sprig_operator_t op, const uint16_t* input, uint16_t* output);

/* Computes the operator on the bound tensors. `threadpool` may be NULL (serial on the calling
 * thread) or the caller's own pool. Results are bitwise identical for any pool. No allocation.
 * An operator must not be run concurrently with itself; distinct operators may run at once,
 * unless they share a workspace (below): then the second run is refused (invalid_state). */
SPRIG_API enum sprig_status sprig_run_operator(sprig_operator_t op, pthreadpool_t threadpool);

/* Frees the operator. NULL is a no-op success. */
SPRIG_API enum sprig_status sprig_delete_operator(sprig_operator_t op);

/* Workspaces: scratch memory that operators share instead of each holding its own, so that a
 * network's scratch is its largest operator's, warm in cache from one operator to the next. The
 * int8 operators (qs8 / qd8 linear and qs8 convolution, depthwise included) keep their packed
 * input and depthwise planes there, f32 convolutions their staged input planes (KxK) and the
 * input rows they align (1x1, on maps such as 14x14 and 7x7); other scratch (transposed linear
 * batches, every f16 operator's) stays the operator's own. A workspace grows at reshape to what
 * its largest operator needs (never shrinks); its contents mean nothing between runs.
 * Operators sharing one must be reshaped and run one after another:
 * sprig_run_operator returns sprig_status_invalid_state (nothing written) when another operator
 * is running in the same workspace, and so does a reshape that must grow it then. Each operator
 * set to a workspace holds a reference to it, so the creator may release its own at any time. */
typedef struct sprig_workspace* sprig_workspace_t;
SPRIG_API enum sprig_status sprig_create_workspace(sprig_workspace_t* workspace_out);
/* Drops the caller's reference; the memory goes when no operator uses it. NULL is a no-op. */
SPRIG_API enum sprig_status sprig_release_workspace(sprig_workspace_t workspace);
/* The bytes the workspace holds now (0 for NULL). */
SPRIG_API size_t sprig_workspace_bytes(sprig_workspace_t workspace);
/* The operator plans its scratch in `workspace` from its next reshape on (NULL: its own buffers
 * again). Drops the current plan: reshape and setup the operator again before running it. */
SPRIG_API enum sprig_status sprig_set_operator_workspace(sprig_operator_t op, sprig_workspace_t workspace);

/* The microkernel the operator runs, e.g. "sprig_f32_spmm_minmax_ukernel_64x1__avx2_prefetch":
 * chosen at create from the CPU and the weights, narrowed at reshape when rows are shorter than
 * its tile;
 * NULL for a NULL operator. Valid while the operator lives. */
SPRIG_API const char* sprig_operator_kernel_name(sprig_operator_t op);

/* Bytes of weight data the operator's kernels read: its own bias (4 per output channel) plus
 * the weight data it shares with every operator created from the same packed weights -- the
 * kernel stream derived from them (CSR, BLOCK, GROUP: about 4 bytes per stored value + 1 per
 * stored entry + 4 per output channel; built once per weights object, by the first operator
 * that needs it) or the packed arrays the kernels read directly (NM; 1x4 / 1x8 blocks, plus 4
 * per row). Shared bytes are counted in full for each operator: N operators of one weights
 * object hold the shared part once. Workspaces for inputs and outputs are not counted; 0 for a
 * NULL operator. */
SPRIG_API size_t sprig_operator_weight_bytes(sprig_operator_t op);

#ifdef __cplusplus
}
#endif

#endif /* SPRIG_H */
