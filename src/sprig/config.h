/* Kernel choice: one place decides, from the hardware flags. */
#ifndef SPRIG_CONFIG_H
#define SPRIG_CONFIG_H

#include <stdint.h>

#include <sprig/bspmv.h>
#include <sprig/hardware.h>
#include <sprig/nmspmm.h>
#include <sprig/spmm.h>

/* What the chooser needs of a listed kernel, whatever its family. */
struct sprig_ukernel_traits {
  enum sprig_isa isa;
  uint32_t mr;
  uint32_t nr;
  bool is_default;
};

struct sprig_ukernel_list {
  size_t count;
  struct sprig_ukernel_traits (*traits)(size_t index);
};

/* Index of the default kernel with `nr` of the best allowed ISA (preference: avx512f, avx2, sse2,
 * neonfma, wasmsimd, scalar), or SIZE_MAX. Per (ISA, NR) the listed default, else the
 * widest MR. */
size_t sprig_choose_ukernel(const struct sprig_hardware* hardware, const struct sprig_ukernel_list* list,
                            uint32_t nr);

/* For rows of `pixels` pixels: rows longer than chosen's MR by less than a quarter of it take
 * the same ISA and NR kernel with the smallest MR that covers them in one pass if that MR is at
 * most twice chosen's, else `chosen`. Shorter rows: one pixel takes a same-ISA kernel with MR = 1 if the list has one
 * (vectorized over the weights); below 4 pixels and with no forced ISA, the widest scalar kernel
 * that fits; else the same ISA and NR kernel with the smallest MR that covers the row in one pass.
 * Narrow problems (batch-1 linear, 7x7 maps) then skip remainder passes. */
size_t sprig_fit_ukernel(const struct sprig_hardware* hardware, const struct sprig_ukernel_list* list,
                         size_t chosen, size_t pixels);

/* Family wrappers. The NR = 1 choosers never return NULL (scalar kernels always exist). */
const struct sprig_f32_spmm_ukernel* sprig_choose_f32_spmm_ukernel(const struct sprig_hardware* hardware);
const struct sprig_f32_spmm_ukernel* sprig_choose_f32_spmm_ukernel_nr(const struct sprig_hardware* hardware,
                                                                      uint32_t nr);
const struct sprig_f32_spmm_ukernel* sprig_fit_f32_spmm_ukernel(const struct sprig_hardware* hardware,
                                                                const struct sprig_f32_spmm_ukernel* chosen,
                                                                size_t pixels);
const struct sprig_f32_nmspmm_ukernel* sprig_choose_f32_nmspmm_ukernel(const struct sprig_hardware* hardware);
const struct sprig_f32_nmspmm_ukernel* sprig_fit_f32_nmspmm_ukernel(const struct sprig_hardware* hardware,
                                                                    const struct sprig_f32_nmspmm_ukernel* chosen,
                                                                    size_t pixels);

/* The 1 x block_width block-sparse matrix-vector kernel of the best allowed ISA that has one,
 * or NULL (no kernels for that block width). */
const struct sprig_f32_bspmv_ukernel* sprig_choose_f32_bspmv_ukernel(const struct sprig_hardware* hardware,
                                                                    uint32_t block_width);

/* The best allowed ISA that has kernels in this build. */
enum sprig_isa sprig_best_isa(const struct sprig_hardware* hardware);

#endif /* SPRIG_CONFIG_H */
