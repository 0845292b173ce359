/*
 * The f32 sliced-ELL matrix-vector microkernel family: CSR weights times one input vector,
 * vectorized across rows. Rows go in slices of C (the kernel's row count, 8 or 16); within a
 * slice, entry k of each of its C rows is stored together (C values, then C column offsets),
 * rows shorter than the slice's longest padded with zero weights that read the zero slot.
 *
 *   output[r] = clamp(bias[r] + sum over the slots k < widths[s] of slice s = r / C of
 *                     values[k][r % C] * input[col_base[s] + offsets[k][r % C]], min, max)
 *
 * nc:       rows to compute, from the first row of a slice; ceil(nc / C) slices are read, and the
 *           last writes only its first nc - C * (slices - 1) rows.
 * input:    K + 1 floats, input[K] == 0 (the zero slot padding reads); offsets are relative to
 *           the slice's col_base.
 * bias:     nc values. output: nc floats, contiguous.
 * values, offsets: widths[s] * C per slice, the slices back to back.
 *
 * Kernels add each row's products in a few partial sums (the slots taken in turn), then those;
 * the sum order differs from CSR order within rounding. A slice is one call's work, so splitting
 * the rows at slice boundaries gives bitwise identical results.
 *
 * Windowed layout (kernels listed with window_cols = Q > 0): the columns go in windows of Q
 * (window v: columns vQ .. vQ + Q - 1, the last one partial), and a slice's slots go window by
 * window, window v's slots reading only its columns, so that a kernel loads the window's Q inputs
 * once and picks each slot's inputs out of registers instead of gathering them:
 *
 *   output[r] = clamp(bias[r] + sum over the windows v < W = ceil(K / Q), their slots
 *                     k < widths[s x W + v] of slice s = r / C, of
 *                     values[k][r % C] * window_v[indices[k][r % C]], min, max)
 *
 * window_v[i] = input[vQ + i] for i < Q and vQ + i < K, and 0 otherwise: rows with fewer
 * nonzeros in a window than its width are padded with zero weights on index Q, which reads 0
 * (never a real input, so NaN and infinite inputs reach only the rows that use them).
 * indices:   per slot C uint8, each < Q (a nonzero's column - vQ) or == Q (padding).
 * widths:    uint8 per slice and window (at most Q).
 * input:     K floats per vector (no zero slot: kernels load a window masked to K).
 * Slices start at slot first[s] x C as in the sliced layout.
 */
#ifndef SPRIG_SELLMV_H
#define SPRIG_SELLMV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>
#include <sprig/spmm.h>

typedef void (*sprig_f32_sellmv_ukernel_fn)(size_t nc, const float* input, const float* bias, const float* values,
                                            const uint16_t* offsets, const uint32_t* widths,
                                            const uint32_t* col_base, float* output,
                                            const struct sprig_f32_minmax_params* params);

/* Input vectors a windowed kernel takes per weight pass at most. */
#define SPRIG_F32_SELLMV_MAX_VECTORS 4

/* The windowed layout's kernels: nc rows from the first row of a slice times `vectors` (1 ..
 * SPRIG_F32_SELLMV_MAX_VECTORS) input vectors of K = cols floats, vector j at input + j x
 * input_stride, its outputs at output + j x output_stride (float elements). */
typedef void (*sprig_f32_sellmv_window_ukernel_fn)(size_t nc, size_t cols, size_t vectors, const float* input,
                                                   size_t input_stride, const float* bias, const float* values,
                                                   const uint8_t* indices, const uint8_t* widths, float* output,
                                                   size_t output_stride,
                                                   const struct sprig_f32_minmax_params* params);

#define SPRIG_F32_SELLMV_UKERNEL(isa, c, is_default, fn)                                                 \
  void fn(size_t nc, const float* input, const float* bias, const float* values, const uint16_t* offsets, \
          const uint32_t* widths, const uint32_t* col_base, float* output,                               \
          const struct sprig_f32_minmax_params* params);
#define SPRIG_F32_SELLMV_UKERNEL_WINDOWS(isa, c, window_cols, fn)                                        \
  void fn(size_t nc, size_t cols, size_t vectors, const float* input, size_t input_stride, const float* bias, \
          const float* values, const uint8_t* indices, const uint8_t* widths, float* output,             \
          size_t output_stride, const struct sprig_f32_minmax_params* params);
#include <f32-sellmv/list.inc>
#undef SPRIG_F32_SELLMV_UKERNEL_WINDOWS
#undef SPRIG_F32_SELLMV_UKERNEL

struct sprig_f32_sellmv_ukernel {
  const char* name;
  sprig_f32_sellmv_ukernel_fn fn;               /* the sliced layout's kernels; else NULL */
  sprig_f32_sellmv_window_ukernel_fn window_fn; /* the windowed layout's kernels; else NULL */
  uint32_t window_cols;                         /* Q of the windowed layout; 0 for the sliced one */
  enum sprig_isa isa;
  uint32_t slice_rows; /* C */
  bool is_default;
  /* Loads without gather instructions (a _NOGATHER entry): used in place of its ISA's default
   * on CPUs whose gathers are microcoded (sprig_hardware.slow_gathers), never otherwise. */
  bool for_slow_gathers;
};

/* Every kernel of this build, in list order (kernels/f32-sellmv/list.inc). */
extern const struct sprig_f32_sellmv_ukernel sprig_f32_sellmv_ukernels[];
extern const size_t sprig_f32_sellmv_ukernel_count;

/* The windowed kernel that may stand in for `k` (same ISA and slice height; never a default:
 * operators take it where its layout pads little), else NULL. */
const struct sprig_f32_sellmv_ukernel* sprig_f32_sellmv_window_partner(const struct sprig_f32_sellmv_ukernel* k);

/* The offsets are 16-bit: every slice must reach the zero slot (column K) from its base. */
#define SPRIG_SELL_MAX_OFFSET 65535

/* The slots of real rows may exceed the nonzeros by at most this factor; beyond it operators
 * keep the CSR path. (The rows past the last in the last slice cost at most one slice more.) */
#define SPRIG_SELL_MAX_PADDING 1.25

/* The same bound for the windowed layout, whose slots cost a fraction of a gathered one. */
#define SPRIG_SELL_MAX_WINDOW_PADDING 3.0

/* Windows (slices x W) per nonzero the windowed layout may hold at most: each costs a kernel a
 * window load per vector and a width byte, whether its slots are few or none. */
#define SPRIG_SELL_MAX_WINDOWS_PER_NONZERO 0.25

/* The sliced layout of CSR weights, f32 values (derived data of the weights, src/pack/sell.c). Stored
 * zeros of the CSR (gap bridges) are dropped: only nonzero values are kept. */
struct sprig_sell {
  size_t c;           /* rows per slice */
  size_t window_cols; /* Q: 0 for the sliced layout */
  size_t windows;     /* W = ceil(cols / Q) per slice; 0 for the sliced layout */
  size_t rows;
  size_t cols;
  size_t slices;      /* ceil(rows / c) */
  size_t nonzeros;    /* values copied from the CSR */
  size_t slots;       /* stored slots, padding included: first[slices] * c */
  size_t tail_slots;  /* of the rows past the last in the last slice */
  uint32_t* widths;   /* sliced: per slice, slots per row */
  uint32_t* col_base; /* sliced: per slice, the column offsets are relative to */
  uint8_t* window_widths; /* windowed: per slice x W */
  size_t* first;      /* per slice + 1: its first slot / c (prefix sums of widths) */
  float* values;      /* slots */
  uint16_t* offsets;  /* sliced: slots */
  uint8_t* indices;   /* windowed: slots */
};

/* What a layout of slice height c would hold, from one walk over the CSR weights. */
struct sprig_sell_shape {
  size_t nonzeros;
  size_t slots;
  size_t tail_slots; /* of the rows past the last in the last slice */
  bool offsets_fit; /* every slice reaches column K within SPRIG_SELL_MAX_OFFSET of its base */
};

struct sprig_weights;

/* For CSR weights, f32 or f16. */
struct sprig_sell_shape sprig_sell_measure(const struct sprig_weights* csr, size_t c);

/* True when the layout fits 16-bit offsets and pads within SPRIG_SELL_MAX_PADDING. */
bool sprig_sell_shape_usable(const struct sprig_sell_shape* shape);

/* sprig_sell_shape_usable of sprig_sell_measure(csr, c): whether the layout would be usable,
 * without building it. */
bool sprig_sell_usable(const struct sprig_weights* csr, size_t c);

/* Builds the layout of CSR weights, f32 or f16 (usable shape required; f16 values are widened to
 * f32); NULL when out of memory. */
struct sprig_sell* sprig_build_sell(const struct sprig_weights* csr, size_t c);

/* The same for f32 CSR weights or f16 weights of any format (other formats read through one
 * float CSR copy of their nonzeros, for measuring and building), when the shape is usable:
 * else NULL with *usable false. NULL with *usable true: out of memory. */
struct sprig_sell* sprig_build_usable_sell(const struct sprig_weights* weights, size_t c, bool* usable);
/* The windowed layout of CSR weights, f32 or f16 (widened), for slices of c rows and windows of
 * q columns (1 .. 254), whatever its shape; NULL when out of memory. */
struct sprig_sell* sprig_build_windowed_sell(const struct sprig_weights* csr, size_t c, size_t q);

/* True when a windowed layout has nonzeros, pads within SPRIG_SELL_MAX_WINDOW_PADDING and holds
 * windows within SPRIG_SELL_MAX_WINDOWS_PER_NONZERO. */
bool sprig_windowed_sell_layout_usable(const struct sprig_sell* sell);

/* The windowed layout of CSR weights, f32 or f16, for windows of q columns (1 .. 254), when usable:
 * padding within SPRIG_SELL_MAX_WINDOW_PADDING and windows within
 * SPRIG_SELL_MAX_WINDOWS_PER_NONZERO; else NULL with *usable false. NULL with *usable true: out of
 * memory. */
struct sprig_sell* sprig_build_usable_windowed_sell(const struct sprig_weights* csr, size_t c, size_t q, bool* usable);

/* Whether that layout would be usable, measured without building it, and then its bytes
 * (sprig_sell_bytes of the built layout) in *bytes, else 0 there; *measured false when memory for
 * measuring ran out (the answer is then false). */
bool sprig_windowed_sell_usable(const struct sprig_weights* csr, size_t c, size_t q, bool* measured, size_t* bytes);
void sprig_free_sell(struct sprig_sell* sell);
size_t sprig_sell_bytes(const struct sprig_sell* sell);

#endif /* SPRIG_SELLMV_H */
