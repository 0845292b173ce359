/*
 * The int8 sliced matrix-vector microkernel family ("qs8-sellmv"): the c4 entries of int8
 * weights (src/sprig/qs8-stream.h) times one input vector, vectorized across rows, for linear
 * layers at batch 1. Rows go in slices of C (the kernel's row count); within a slice, slot k
 * holds entry k of each of its C rows together (C weight words, then C quad offsets); rows
 * shorter than the slice's longest are padded with zero weights on the slice's first quad.
 *
 *   output[i] = sum over the slots k < widths[s] of slice s = i / C, t < 4, of
 *               weights[k][i % C][t] * x[4 * (quad_base[s] + offsets[k][i % C]) + t]
 *
 * with wrapping int32 arithmetic (two's complement, as the SIMD instructions do).
 *
 * nc:        rows to compute, from the first row of a slice; ceil(nc / C) slices are read, and
 *            the last writes only its first nc - C x (slices - 1) outputs.
 * input:     one quad word per quad row: the four values of input columns 4q .. 4q + 3 at
 *            input[4q .. 4q + 3]. Kernels listed with unsigned_input read these bytes as uint8
 *            (x86 vpdpbusd multiplies unsigned by signed bytes): the operator then stores
 *            x + 128 (x XOR 0x80) and subtracts 128 x sum(weights) from the sums.
 * weights:   per slot C x 4 int8, row j's four at [4j .. 4j + 3]; the slices back to back.
 * offsets:   per slot C uint16 quad offsets, relative to the slice's quad_base.
 * widths:    per slice: its slots.
 * quad_base: per slice: the quad row its offsets are relative to.
 * output:    nc int32, contiguous.
 *
 * A slice is one call's work: splitting the rows at slice boundaries gives the same outputs.
 * The weights of a slot start 4C-byte aligned when the layout's are (src/pack/qs8-sell.c
 * allocates them 64-byte aligned); kernels may load them with aligned loads of 4C bytes.
 *
 * Windowed layout (kernels listed with window_quads = Q > 0): the quad rows go in windows of Q
 * (window v: quads vQ .. vQ + Q - 1, the last one partial), and a slice's slots go window by
 * window, window v's slots reading only its quads, so that a kernel loads the window's 4Q input
 * bytes once and picks each slot's words out of registers instead of gathering them:
 *
 *   output[i] = sum over the windows v < ceil(quad_rows / Q), their slots k < widths[s x W + v]
 *               (W windows per slice), t < 4, of
 *               weights[k][i % C][t] * x[4 * (vQ + indices[k][i % C]) + t]
 *
 * indices:   per slot C uint8 quad indices within the slot's window (< Q, and below the
 *            window's quad count: kernels may still load the whole window, masked, never past
 *            4 x quad_rows bytes of input); rows with fewer entries in a window than its width
 *            are padded with zero weights on index 0.
 * widths:    uint8 per slice and window, W = ceil(quad_rows / Q) per slice.
 * Slices start at slot first[s] x C as in the sliced layout.
 */
#ifndef SPRIG_QS8_SELLMV_H
#define SPRIG_QS8_SELLMV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

typedef void (*sprig_qs8_sellmv_ukernel_fn)(size_t nc, const int8_t* input, const int8_t* weights,
                                            const uint16_t* offsets, const uint32_t* widths,
                                            const uint32_t* quad_base, int32_t* output);

/* Input vectors a windowed kernel takes per weight pass at most. */
#define SPRIG_QS8_SELLMV_MAX_VECTORS 4

/* The windowed layout's kernels: nc rows from the first row of a slice times `vectors` (1 ..
 * SPRIG_QS8_SELLMV_MAX_VECTORS) input vectors of quad_rows quads, vector j at input + j x
 * input_stride, its sums at output + j x output_stride (int32 elements). */
typedef void (*sprig_qs8_sellmv_window_ukernel_fn)(size_t nc, size_t quad_rows, size_t vectors, const int8_t* input,
                                                   size_t input_stride, const int8_t* weights, const uint8_t* indices,
                                                   const uint8_t* widths, int32_t* output, size_t output_stride);

#define SPRIG_QS8_SELLMV_UKERNEL(isa, c, unsigned_input, is_default, fn)                            \
  void fn(size_t nc, const int8_t* input, const int8_t* weights, const uint16_t* offsets,         \
          const uint32_t* widths, const uint32_t* quad_base, int32_t* output);
#define SPRIG_QS8_SELLMV_UKERNEL_WINDOWS(isa, c, window_quads, unsigned_input, fn)                 \
  void fn(size_t nc, size_t quad_rows, size_t vectors, const int8_t* input, size_t input_stride,  \
          const int8_t* weights, const uint8_t* indices, const uint8_t* widths, int32_t* output,  \
          size_t output_stride);
#include <qs8-sellmv/list.inc>
#undef SPRIG_QS8_SELLMV_UKERNEL_WINDOWS
#undef SPRIG_QS8_SELLMV_UKERNEL

struct sprig_qs8_sellmv_ukernel {
  const char* name;
  sprig_qs8_sellmv_ukernel_fn fn;               /* the sliced layout's kernels; else NULL */
  sprig_qs8_sellmv_window_ukernel_fn window_fn; /* the windowed layout's kernels; else NULL */
  uint32_t window_quads;                        /* Q of the windowed layout; 0 for the sliced one */
  enum sprig_isa isa;
  uint32_t slice_rows; /* C: 8 or 16 */
  /* Reads the input bytes as uint8 (x + 128); else as int8. */
  bool unsigned_input;
  /* The kernel an operator uses when this ISA is the best one allowed. */
  bool is_default;
  /* Loads without gather instructions (a _NOGATHER entry): used in place of its ISA's default
   * on CPUs whose gathers are microcoded (sprig_hardware.slow_gathers), never otherwise. */
  bool for_slow_gathers;
};

/* The windowed kernel that may stand in for `k` (same ISA, slice height and input signedness;
 * never a default: operators take it where its layout pads little), else NULL. */
const struct sprig_qs8_sellmv_ukernel* sprig_qs8_sellmv_window_partner(const struct sprig_qs8_sellmv_ukernel* k);

/* Every kernel of this build, in list order (kernels/qs8-sellmv/list.inc). */
extern const struct sprig_qs8_sellmv_ukernel sprig_qs8_sellmv_ukernels[];
extern const size_t sprig_qs8_sellmv_ukernel_count;

/* Rows are sorted by entry count (longest first) within windows of this many rows, so that a
 * slice's rows have about the same length; a window is a multiple of every C. */
#define SPRIG_QS8_SELL_WINDOW 128

/* The quad offsets are 16-bit. */
#define SPRIG_QS8_SELL_MAX_OFFSET 65535

/* The slots of real rows may exceed the entries by at most this factor; beyond it operators
 * keep the c4 SpMM kernels. */
#define SPRIG_QS8_SELL_MAX_PADDING 1.25

/* The same bound for the windowed layout, whose slots cost a fraction of a gathered one. */
#define SPRIG_QS8_SELL_MAX_WINDOW_PADDING 3.0

/* The sliced layout of qs8 weights (derived data of the weights, src/pack/qs8-sell.c). Slice
 * position p holds row row_of[p]; both lie in the same window [w x window, (w + 1) x window). */
struct sprig_qs8_sell {
  size_t c;            /* rows per slice */
  size_t window_quads; /* Q: 0 for the sliced layout */
  size_t windows;      /* W = ceil(quad_rows / Q) per slice; 0 for the sliced layout */
  size_t rows;
  size_t quad_rows;    /* ceil(cols / 4) */
  size_t window;       /* SPRIG_QS8_SELL_WINDOW */
  size_t slices;       /* ceil(rows / c) */
  size_t entries;      /* c4 entries copied */
  size_t slots;        /* stored slots, padding included: first[slices] x c */
  size_t tail_slots;   /* of the positions past the last row in the last slice */
  bool offsets_fit;    /* every entry's quad lies within SPRIG_QS8_SELL_MAX_OFFSET of its slice's base */
  uint32_t* widths;    /* sliced: per slice */
  uint32_t* quad_base; /* sliced: per slice */
  uint8_t* window_widths; /* windowed: per slice x W */
  size_t* first;       /* per slice + 1: its first slot / c */
  uint32_t* row_of;    /* per position */
  int8_t* weights;     /* 4 per slot x c */
  uint16_t* offsets;   /* sliced: per slot x c */
  uint8_t* indices;    /* windowed: per slot x c */
};

struct sprig_qs8_stream;

/* Builds the layout of a c4 stream for slices of c rows, sliced (window_quads 0) or windowed
 * (window_quads in 1 .. 128); the shape need not be usable. NULL when out of memory. */
struct sprig_qs8_sell* sprig_build_qs8_sell(const struct sprig_qs8_stream* stream, size_t c, size_t window_quads);
void sprig_free_qs8_sell(struct sprig_qs8_sell* sell);
size_t sprig_qs8_sell_bytes(const struct sprig_qs8_sell* sell);

/* True when the offsets fit and the padding is within SPRIG_QS8_SELL_MAX_PADDING (windowed:
 * SPRIG_QS8_SELL_MAX_WINDOW_PADDING). */
bool sprig_qs8_sell_usable(const struct sprig_qs8_sell* sell);

#endif /* SPRIG_QS8_SELLMV_H */
