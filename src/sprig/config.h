/* Kernel choice: one place decides, from the hardware flags. */
#ifndef SPRIG_CONFIG_H
#define SPRIG_CONFIG_H

#include <stdint.h>

#include <sprig/bspmv.h>
#include <sprig/dwconv.h>
#include <sprig/dwconv2d-chw.h>
#include <sprig/f16-convert.h>
#include <sprig/f16-spmm.h>
#include <sprig/hardware.h>
#include <sprig/nmspmm.h>
#include <sprig/qs8-dwconv2d-chw.h>
#include <sprig/qs8-requant.h>
#include <sprig/qs8-vadd.h>
#include <sprig/qs8-spmm.h>
#include <sprig/qd8-quantize.h>
#include <sprig/qs8-sellmv.h>
#include <sprig/sellmv.h>
#include <sprig/spconv.h>
#include <sprig/spmm.h>
#include <sprig/x8-zip4.h>
#include <sprig/transpose.h>

/* What the chooser needs of a listed kernel, whatever its family. */
struct sprig_ukernel_traits {
  enum sprig_isa isa;
  uint32_t mr;
  uint32_t nr;
  /* Issues software prefetches of its input rows (a _prefetch variant; see
   * kernels/f32-spmm/list.inc). */
  bool prefetch;
  bool is_default;
  /* A variant for in-order cores (an _INORDER entry of the family's list.inc): never chosen by
   * itself, only in place of the default of its ISA, MR and NR. */
  bool inorder;
  /* A variant without gather instructions (a _NOGATHER entry): never chosen by itself, only in
   * place of the default of its ISA, MR and NR when hardware->slow_gathers. */
  bool for_slow_gathers;
};

struct sprig_ukernel_list {
  size_t count;
  struct sprig_ukernel_traits (*traits)(size_t index);
};

/* Index of the default kernel with `nr` of the best allowed ISA (preference: avx512f, avx2, sse2,
 * neonfma, wasmsimd, scalar), or SIZE_MAX. Per (ISA, NR) the listed default, else the
 * widest MR; when most cores are in-order (hardware->inorder_cores), that kernel's in-order
 * variant where the list has one, and on CPUs with microcoded gathers (hardware->slow_gathers)
 * its variant without gathers where the list has one. */
size_t sprig_choose_ukernel(const struct sprig_hardware* hardware, const struct sprig_ukernel_list* list,
                            uint32_t nr);

/* Whether one image's input, `rows` rows of `pixels` floats, fits in a quarter of L2 and so
 * should stay there while the kernels walk it: then the kernels without software prefetch are
 * the faster ones (see src/configs/choose.c for the measurements). */
bool sprig_input_fits_cache(const struct sprig_hardware* hardware, size_t rows, size_t pixels);

/* For rows of `pixels` pixels: rows longer than chosen's MR by less than a quarter of it take
 * the same ISA and NR kernel with the smallest MR that covers them in one pass if that MR is at
 * most twice chosen's, else `chosen`. Shorter rows: one pixel takes a same-ISA kernel with MR = 1
 * if the list has one (vectorized over the weights); below 4 pixels and with no forced ISA, the
 * widest scalar kernel that fits; else the same ISA and NR kernel with the smallest MR that
 * covers the row in one pass (chosen itself when that MR is chosen's, so that a pipelined or
 * in-order default is kept). Narrow problems (batch-1 linear, 7x7 maps) then skip remainder
 * passes. Then the variant: of the kernels with that ISA, MR and NR, the one without software
 * prefetch when one image's input (`input_rows` rows of `pixels` floats) fits in cache
 * (sprig_input_fits_cache), else the one with it; an (ISA, MR, NR) listed once is kept. */
size_t sprig_fit_ukernel(const struct sprig_hardware* hardware, const struct sprig_ukernel_list* list,
                         size_t chosen, size_t pixels, size_t input_rows);

/* Family wrappers. The NR = 1 choosers never return NULL (scalar kernels always exist). */
const struct sprig_f32_spmm_ukernel* sprig_choose_f32_spmm_ukernel(const struct sprig_hardware* hardware);
const struct sprig_f32_spmm_ukernel* sprig_choose_f32_spmm_ukernel_nr(const struct sprig_hardware* hardware,
                                                                      uint32_t nr);
/* sprig_fit_ukernel for SpMM kernels: `pixels` pixels per image, `input_rows` input rows (K). */
const struct sprig_f32_spmm_ukernel* sprig_fit_f32_spmm_ukernel(const struct sprig_hardware* hardware,
                                                                const struct sprig_f32_spmm_ukernel* chosen,
                                                                size_t pixels, size_t input_rows);
const struct sprig_f32_nmspmm_ukernel* sprig_choose_f32_nmspmm_ukernel(const struct sprig_hardware* hardware);
/* sprig_fit_ukernel for N:M kernels (which have no prefetch variants). */
const struct sprig_f32_nmspmm_ukernel* sprig_fit_f32_nmspmm_ukernel(const struct sprig_hardware* hardware,
                                                                    const struct sprig_f32_nmspmm_ukernel* chosen,
                                                                    size_t pixels);
/* The N:M matrix-times-vectors kernel (never NULL: a scalar one always exists). */
const struct sprig_f32_nmspmv_ukernel* sprig_choose_f32_nmspmv_ukernel(const struct sprig_hardware* hardware);

/* The 1 x block_width block-sparse matrix-vector kernel of the best allowed ISA that has one,
 * or NULL (no kernels for that block width). */
const struct sprig_f32_bspmv_ukernel* sprig_choose_f32_bspmv_ukernel(const struct sprig_hardware* hardware,
                                                                    uint32_t block_width);

/* The sliced-ELL matrix-vector kernel of the best allowed ISA (the scalar one at worst). */
const struct sprig_f32_sellmv_ukernel* sprig_choose_f32_sellmv_ukernel(const struct sprig_hardware* hardware);

/* The int8 sliced matrix-vector kernel of the best allowed ISA (the scalar one at worst). */
const struct sprig_qs8_sellmv_ukernel* sprig_choose_qs8_sellmv_ukernel(const struct sprig_hardware* hardware);

/* The sparse direct convolution kernel with `nr` of the best allowed ISA (NULL if no kernel
 * has that NR), and its fit to rows of `pixels` pixels (as sprig_fit_ukernel). */
const struct sprig_f32_spconv_ukernel* sprig_choose_f32_spconv_ukernel(const struct sprig_hardware* hardware,
                                                                      uint32_t nr);
const struct sprig_f32_spconv_ukernel* sprig_fit_f32_spconv_ukernel(const struct sprig_hardware* hardware,
                                                                   const struct sprig_f32_spconv_ukernel* chosen,
                                                                   size_t pixels);
/* The depthwise kernel for `taps` taps (9, 25) of the best allowed ISA that has one, or NULL. */
const struct sprig_f32_dwconv_ukernel* sprig_choose_f32_dwconv_ukernel(const struct sprig_hardware* hardware,
                                                                      uint32_t taps);

/* The direct depthwise kernel (K x K, stride S) of the best allowed ISA that has one, or NULL. */
const struct sprig_f32_dwconv2d_chw_ukernel* sprig_choose_f32_dwconv2d_chw_ukernel(
    const struct sprig_hardware* hardware, uint32_t kernel_size, uint32_t stride);

/* The int8 SpMM kernel of the best allowed ISA (never NULL), and its fit to rows of `pixels`
 * pixels of weights whose c4 stream holds `nonzeros` in `entries` entries: the same ISA's quartet
 * kernel where it has one and the entries are sparse (see src/configs/qs8-spmm-list.c), else the
 * chosen kernel or the same ISA's narrowest kernel covering the pixels when they are fewer than
 * its MR. */
const struct sprig_qs8_spmm_ukernel* sprig_choose_qs8_spmm_ukernel(const struct sprig_hardware* hardware);
const struct sprig_qs8_spmm_ukernel* sprig_fit_qs8_spmm_ukernel(const struct sprig_hardware* hardware,
                                                                const struct sprig_qs8_spmm_ukernel* chosen,
                                                                size_t pixels, size_t entries, size_t nonzeros);

/* The int8 direct depthwise kernel for K x K stride S of the best allowed ISA that has one, else
 * NULL. */
const struct sprig_qs8_dwconv2d_chw_ukernel* sprig_choose_qs8_dwconv2d_chw_ukernel(
    const struct sprig_hardware* hardware, uint32_t kernel_size, uint32_t stride);

/* The int8 requantization kernel of the best allowed ISA that has one (never NULL). */
const struct sprig_qs8_requant_ukernel* sprig_choose_qs8_requant_ukernel(const struct sprig_hardware* hardware);

/* The int8 element-wise addition kernel of the best allowed ISA that has one (never NULL). */
const struct sprig_qs8_vadd_ukernel* sprig_choose_qs8_vadd_ukernel(const struct sprig_hardware* hardware);

/* The qd8 row quantization kernel of the best allowed ISA that has one (never NULL). */
const struct sprig_qd8_quantize_ukernel* sprig_choose_qd8_quantize_ukernel(const struct sprig_hardware* hardware);

/* The f16 SpMM kernel of the best allowed ISA (never NULL), and its fit to rows of `pixels`
 * pixels: sprig_fit_ukernel's rules within the chosen ISA, without the switch to scalar kernels
 * for short rows (see src/configs/f16-spmm-list.c). */
const struct sprig_f16_spmm_ukernel* sprig_choose_f16_spmm_ukernel(const struct sprig_hardware* hardware);
const struct sprig_f16_spmm_ukernel* sprig_fit_f16_spmm_ukernel(const struct sprig_hardware* hardware,
                                                                const struct sprig_f16_spmm_ukernel* chosen,
                                                                size_t pixels);

/* The f16 1 x block_width block-sparse matrix-vector kernel of the best allowed ISA that has
 * one (the scalar one at worst), or NULL (no kernels for that block width). */
const struct sprig_f16_bspmv_ukernel* sprig_choose_f16_bspmv_ukernel(const struct sprig_hardware* hardware,
                                                                    uint32_t block_width);

/* The half <-> single conversion kernels of the best allowed ISA that has them (never NULL). */
const struct sprig_f16_convert_ukernel* sprig_choose_f16_convert_ukernel(const struct sprig_hardware* hardware);

/* The byte-quad interleave kernel of the best allowed ISA that has one (never NULL). */
const struct sprig_x8_zip4_ukernel* sprig_choose_x8_zip4_ukernel(const struct sprig_hardware* hardware);

/* The 32-, 16- and 8-bit transpose kernels of the best allowed ISA that has one (never NULL). */
const struct sprig_x32_transpose_ukernel* sprig_choose_x32_transpose_ukernel(const struct sprig_hardware* hardware);
const struct sprig_x16_transpose_ukernel* sprig_choose_x16_transpose_ukernel(const struct sprig_hardware* hardware);
const struct sprig_x8_transpose_ukernel* sprig_choose_x8_transpose_ukernel(const struct sprig_hardware* hardware);

/* The best allowed ISA that has kernels in this build. */
enum sprig_isa sprig_best_isa(const struct sprig_hardware* hardware);

/* Whether `isa` is the best allowed ISA or the one it extends: where a family's kernel of some
 * other ISA is chosen, another path's kernels of the best ISA usually beat it. */
bool sprig_isa_is_best(const struct sprig_hardware* hardware, enum sprig_isa isa);

#endif /* SPRIG_CONFIG_H */
