/* Operators: a common part (shapes, clamps, bias, lifecycle) and one path object that computes
 * (docs/architecture.md). linear.c and conv2d-nchw.c turn shapes into a sprig_problem; the
 * path chosen at create (src/operators/paths.c) plans it at reshape and runs it. */
#ifndef SPRIG_OPERATOR_H
#define SPRIG_OPERATOR_H

#include <stddef.h>
#include <stdint.h>

#include <sprig.h>
#include <sprig/hardware.h>
#include <sprig/spmm.h>
#include <sprig/tiling.h>
#include <sprig/weights.h>
#include <sprig/transpose.h>

enum sprig_operator_type {
  sprig_operator_type_linear = 1,
  sprig_operator_type_conv2d_nchw,
  sprig_operator_type_global_average_pooling_nchw,
  sprig_operator_type_add,
  sprig_operator_type_convert_nhwc_to_nchw,
  sprig_operator_type_convert_nchw_to_nhwc,
  sprig_operator_type_linear_qs8,
  sprig_operator_type_conv2d_nchw_qs8,
  sprig_operator_type_linear_qd8,
  sprig_operator_type_linear_f16,
  sprig_operator_type_conv2d_nchw_f16,
  sprig_operator_type_add_qs8,
  sprig_operator_type_global_average_pooling_nchw_qs8,
  sprig_operator_type_convert_nhwc_to_nchw_x16,
  sprig_operator_type_convert_nchw_to_nhwc_x16,
  sprig_operator_type_convert_nhwc_to_nchw_x8,
  sprig_operator_type_convert_nchw_to_nhwc_x8,
};

/* "linear", "conv2d_nchw", ... for messages. */
const char* sprig_operator_type_name(enum sprig_operator_type type);

enum sprig_operator_state {
  sprig_operator_state_created = 1,  /* needs reshape */
  sprig_operator_state_reshaped,     /* needs setup */
  sprig_operator_state_ready,        /* can run */
};

struct sprig_operator;
struct sprig_f32_sellmv_ukernel;
struct sprig_f32_dwconv2d_chw_ukernel;
struct sprig_sell;

/* A convolution's shape as created (sprig_conv2d_params plus the input layout flag). */
struct sprig_conv_geometry {
  struct sprig_conv2d_params params;
  bool input_nhwc;
};

/* Checks convolution params and the flags an entry point allows; on success fills geometry. */
enum sprig_status sprig_check_conv_params(const struct sprig_conv2d_params* params, uint32_t flags,
                                         uint32_t allowed_flags, const char* caller,
                                         struct sprig_conv_geometry* geometry);

/* The output size along one axis, or 0 when the dilated kernel does not fit the padded input. */
size_t sprig_conv_output_size(size_t input, uint32_t padding_before, uint32_t padding_after, uint32_t kernel,
                              uint32_t dilation, uint32_t stride);

/* The shape a convolution reshape to batch x height x width gives. */
struct sprig_conv_shape {
  size_t output_height;
  size_t output_width;
  size_t input_pixels;  /* height x width */
  size_t output_pixels; /* output_height x output_width */
};

/* The checks every convolution reshape makes, whatever its element type: batch, height and
 * width > 0 (height, width below 2^32), the dilated kernel no larger than the padded input, and
 * input and output tensors of `element_bytes`-byte elements whose byte sizes fit in size_t.
 * Logs the reason and returns sprig_status_invalid_parameter when one fails. */
enum sprig_status sprig_check_conv_shape(const struct sprig_operator* op, size_t batch, size_t height, size_t width,
                                         size_t element_bytes, const char* caller, struct sprig_conv_shape* shape);

/* A convolution's reshape, once its plan is made: records the batch, input and output sizes,
 * finishes the reshape (sprig_finish_reshape) and reports the output size where asked. */
enum sprig_status sprig_commit_conv_reshape(struct sprig_operator* op, size_t batch, size_t height, size_t width,
                                            const struct sprig_conv_shape* shape, size_t* output_height_out,
                                            size_t* output_width_out);

/* The element counts of a reshaped convolution's input and output tensors (for its setup). */
void sprig_conv_tensor_elements(const struct sprig_operator* op, size_t* input_elements, size_t* output_elements);

/* Whether a problem is a batch of vectors for the matrix-vector paths: one pixel per image,
 * images contiguous (input vectors of K floats, outputs of N floats). */
bool sprig_problem_is_vectors(const struct sprig_operator* op, const struct sprig_problem* problem);

/* Whether a convolution is a plain per-pixel product (1x1, stride 1, no padding, one group,
 * NCHW input): then the linear paths compute it. */
bool sprig_conv_is_pointwise(const struct sprig_conv_geometry* conv);

/* Whether a convolution has a direct depthwise shape: depthwise (one input channel per group,
 * several groups), square 3x3 / 5x5, stride 1 or 2, undilated, padded (k - 1) / 2 on the left
 * and at most that elsewhere, NCHW input. */
bool sprig_conv_is_direct_depthwise(const struct sprig_conv_geometry* conv);

/* The direct f32 depthwise kernel (src/sprig/dwconv2d-chw.h) of a convolution of such a shape,
 * among those `hardware` allows, or NULL. */
const struct sprig_f32_dwconv2d_chw_ukernel* sprig_direct_dwconv_ukernel(const struct sprig_conv_geometry* conv,
                                                                        const struct sprig_hardware* hardware);

/* What a path does. Every function gets the operator; path state lives in op->path_state. */
struct sprig_path_ops {
  const char* name;
  /* At create: builds the path state from op->weights (derived weight data through the shared
   * caches of sprig_weights). On error the state is left for destroy. */
  enum sprig_status (*create)(struct sprig_operator* op, const struct sprig_hardware* hardware);
  /* Linear batches below this are planned as `batch` images of one pixel (no transposes). */
  size_t (*one_pixel_batches_below)(const struct sprig_operator* op);
  /* At reshape: plans `problem`; keeps the previous plan on error (reason logged). */
  enum sprig_status (*plan)(struct sprig_operator* op, const struct sprig_problem* problem, const char* caller);
  /* At setup: after the tensors are bound (NULL when nothing to do). */
  void (*setup)(struct sprig_operator* op);
  /* Computes the planned problem. No allocation. */
  void (*run)(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool);
  const char* (*kernel_name)(const struct sprig_operator* op);
  /* Bytes of weight data the path reads beyond the operator's bias: its share of the packed
   * weights and what is derived from them (shared with every operator of the same weights). */
  size_t (*weight_bytes)(const struct sprig_operator* op);
  void (*destroy)(struct sprig_operator* op);
};

/* The path for these weights on this hardware (one place decides; src/operators/paths.c).
 * conv: the convolution's shape, or NULL for linear layers and pointwise convolutions. */
const struct sprig_path_ops* sprig_choose_path(const struct sprig_weights* weights,
                                               const struct sprig_hardware* hardware,
                                               const struct sprig_conv_geometry* conv);

extern const struct sprig_path_ops sprig_conv_path;
extern const struct sprig_path_ops sprig_spmm_path;
extern const struct sprig_path_ops sprig_nm_path;
extern const struct sprig_path_ops sprig_rowblock_path;
extern const struct sprig_path_ops sprig_sell_path;

/* f32 CSR weights whose sliced layout for this CPU's f32-sellmv kernel fits and pads little. */
bool sprig_takes_sliced_rows(const struct sprig_weights* weights, const struct sprig_hardware* hardware);

/* This CPU's f32-sellmv kernel when it is of the best allowed ISA (or the ISA it extends), else
 * NULL: the kernel the sliced rows run where the weights' layout for it fits and pads little. */
const struct sprig_f32_sellmv_ukernel* sprig_sliced_rows_candidate(const struct sprig_hardware* hardware);

/* Linear batches below this run a windowed matrix-vector kernel (f32-sellmv, qs8-sellmv) where
 * the ISA has one and the weights' windowed layout is usable (4 batch rows per weight pass). */
#define SPRIG_WINDOWED_BELOW_BATCH 16

/* Whether `vectors` input vectors take a usable windowed layout of `layout_bytes` over the sliced
 * one (f32 and int8 alike): from 2 on (they share each weight pass); at 1 where its bytes fit a
 * quarter of L2, so that repeated runs read them from cache (weights streamed from memory favour
 * the sliced layout's fewer bytes). */
bool sprig_windowed_layout_preferred(size_t layout_bytes, size_t vectors);

/* Splits a sliced layout's slices into at most range_count ranges of about equal slot counts (plus
 * one per slice for its bias and stores): range r is slices [bounds[r], bounds[r + 1]). Returns the
 * ranges used (at least one when there are slices). */
size_t sprig_split_sell_slices(const struct sprig_sell* sell, size_t range_count, size_t* bounds);

/* Splits `rows` rows of nblocks[r] blocks each into at most range_count ranges of about equal
 * block counts (plus one per row for its bias and sum): range r is rows [bounds[r], bounds[r + 1]),
 * its first block first_blocks[r] (when first_blocks is not NULL). Returns the ranges used (at
 * least one when there are rows). */
size_t sprig_split_block_rows(const uint32_t* nblocks, size_t rows, size_t range_count, size_t* bounds,
                              size_t* first_blocks);

/* Slices [s0, s1) of a sliced layout: their rows [r0, r1) (the last slice's stop at the
 * layout's rows) and the first slot of slice s0. */
struct sprig_sell_range {
  size_t s0, r0, r1, first_slot;
};
struct sprig_sell_range sprig_sell_range(const struct sprig_sell* sell, size_t s0, size_t s1);

/* The windowed f32-sellmv kernel `k` on slices [s0, s1) of `sell` for `vectors` (1 ..
 * SPRIG_F32_SELLMV_MAX_VECTORS) input vectors, `input_stride` floats apart; bias and each
 * vector's outputs (`output_stride` floats apart) indexed from row 0. Returns the rows written. */
struct sprig_sell_range sprig_run_windowed_slices(const struct sprig_f32_sellmv_ukernel* k,
                                                  const struct sprig_sell* sell, size_t s0, size_t s1,
                                                  size_t vectors, const float* input, size_t input_stride,
                                                  const float* bias, float* output, size_t output_stride,
                                                  const struct sprig_f32_minmax_params* params);

struct sprig_operator {
  enum sprig_operator_type type;
  enum sprig_operator_state state;
  size_t rows;                  /* output channels / features */
  size_t cols;                  /* input channels / features */
  struct sprig_weights* weights; /* a reference, held while the operator lives */
  float* bias;                  /* rows values (zeros when the caller gave none) */
  struct sprig_f32_minmax_params params;
  const struct sprig_path_ops* path;
  void* path_state;

  /* conv2d_nchw: the shape (geometry.params.groups == 0 for other types). */
  struct sprig_conv_geometry geometry;
  /* Operators without weights: the channel count (pooling, conversion) or element count (add). */
  size_t channels;
  size_t elements;

  size_t batch;
  size_t height;
  size_t width;
  size_t output_height;  /* conv2d_nchw, after reshape */
  size_t output_width;
  /* linear with batches planned as pixels: transposed copies of input [K][B] and output [N][B],
   * rows transposed_stride floats apart. */
  float* transposed_input;
  float* transposed_output;
  size_t transposed_stride;
  /* Set with them; also the f32 layout conversion's kernel (from create). */
  const struct sprig_x32_transpose_ukernel* transpose;
  /* The 16- and 8-bit layout conversions' kernels (from create). */
  const struct sprig_x16_transpose_ukernel* transpose_x16;
  const struct sprig_x8_transpose_ukernel* transpose_x8;

  const float* input;
  const float* second_input;  /* add: the other addend */
  float* output;

  /* Where the path plans its scratch when it can (a reference held; NULL: its own buffers). */
  struct sprig_workspace* workspace;
};

/* The f32 output clamp: neither bound NaN, output_min <= output_max (reason logged otherwise). */
enum sprig_status sprig_check_clamp(float output_min, float output_max, const char* caller);

/* An operator without weights (pooling, add, layout conversion): checks initialization,
 * op_out, flags (0) and the clamp, and returns it created with `path` (whose create is not
 * called). */
enum sprig_status sprig_create_weightless_operator(enum sprig_operator_type type, const struct sprig_path_ops* path,
                                                   float output_min, float output_max, uint32_t flags,
                                                   const char* caller, sprig_operator_t* op_out);

/* Validates clamps and flags, takes a reference on `weights`, copies the bias and creates the
 * chosen path. On error nothing is kept and *op_out is untouched. */
/* A new operator of `type` on `weights` (retained), in the created state, with a zeroed path
 * state of state_bytes (none when 0) and the convolution's geometry when conv is not NULL; its
 * path is the caller's to set. NULL, logged, when out of memory. */
struct sprig_operator* sprig_new_operator(enum sprig_operator_type type, struct sprig_weights* weights,
                                          const struct sprig_conv_geometry* conv, size_t state_bytes,
                                          const char* caller);

enum sprig_status sprig_create_operator(enum sprig_operator_type type, struct sprig_weights* weights,
                                        const float* bias, float output_min, float output_max, uint32_t flags,
                                        const char* caller, sprig_operator_t* op_out);

/* The same for a convolution of shape `conv` (copied into the operator before its path is
 * chosen and created). */
enum sprig_status sprig_create_conv_operator(const struct sprig_conv_geometry* conv, struct sprig_weights* weights,
                                             const float* bias, float output_min, float output_max,
                                             const char* caller, sprig_operator_t* op_out);

/* Common checks of reshape/setup arguments: op not NULL and of `type`. */
enum sprig_status sprig_check_operator(sprig_operator_t op, enum sprig_operator_type type, const char* caller);

/* After a successful reshape: tensors unbound, setup needed. */
void sprig_finish_reshape(struct sprig_operator* op);

/* Binds input/output after checking state, NULLs and overlap (sizes in bytes). */
enum sprig_status sprig_bind_tensors(struct sprig_operator* op, const float* input, size_t input_bytes,
                                     float* output, size_t output_bytes, const char* caller);

/* Binds an element-wise operator's two inputs and output of `bytes` each after checking state
 * and NULLs: a and b may overlap each other; the output may be a or b exactly, else must not
 * overlap either. */
enum sprig_status sprig_bind_two_inputs(struct sprig_operator* op, const void* a, const void* b, void* output,
                                        size_t bytes, const char* caller);

/* The linear operator's run (transposes around the path when it planned a transposed batch). */
void sprig_run_linear(const struct sprig_operator* op, pthreadpool_t threadpool);

/* The SpMM path's state, also used by the row-block path for problems of several pixels. */
struct sprig_spmm_state {
  const struct sprig_spmm_stream* stream;             /* shared: owned by the weights; NULL until built */
  const struct sprig_f32_spmm_ukernel* chosen;        /* at create, for wide problems */
  const struct sprig_f32_spmm_ukernel* ukernel;       /* at plan, fitted to the pixel count */
  struct sprig_tile_plan plan;
};

/* Chooses the kernel (and with build_stream, gets the shared stream). */
enum sprig_status sprig_spmm_state_init(struct sprig_spmm_state* s, const struct sprig_weights* weights,
                                        const struct sprig_hardware* hardware, bool build_stream);
enum sprig_status sprig_spmm_state_plan(struct sprig_spmm_state* s, const struct sprig_operator* op,
                                        const struct sprig_problem* problem, const char* caller);
void sprig_spmm_state_run(const struct sprig_spmm_state* s, const struct sprig_operator* op, const float* input,
                          float* output, pthreadpool_t threadpool);
/* Whether one-pixel rows take a SIMD kernel vectorized over the weights (MR = 1). */
bool sprig_spmm_state_has_simd_matvec(const struct sprig_spmm_state* s);
size_t sprig_spmm_state_bytes(const struct sprig_spmm_state* s);
void sprig_spmm_state_fini(struct sprig_spmm_state* s);

/* Linear batches below this run row by row when the kernel for one pixel is a SIMD
 * matrix-vector one (else a narrow tile over a transposed copy). */
#define SPRIG_ROW_BY_ROW_BELOW_BATCH 5

#endif /* SPRIG_OPERATOR_H */
