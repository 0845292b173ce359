/* Kernel choice: one place decides, from the hardware flags. */
#ifndef SPRIG_CONFIG_H
#define SPRIG_CONFIG_H

#include <sprig/hardware.h>
#include <sprig/spmm.h>

/* The default f32 SpMM kernel of the best allowed ISA (never NULL: scalar always exists). */
const struct sprig_f32_spmm_ukernel* sprig_choose_f32_spmm_ukernel(const struct sprig_hardware* hardware);

/* The same for kernels of `nr` output channels per tile; NULL when no allowed ISA has one. */
const struct sprig_f32_spmm_ukernel* sprig_choose_f32_spmm_ukernel_nr(const struct sprig_hardware* hardware,
                                                                      uint32_t nr);

/* For rows of only `pixels` pixels: `chosen` if its MR fits, else the same ISA and NR kernel with
 * the widest MR that fits, else (unless an ISA is forced) the widest scalar one that fits, else
 * `chosen`. Narrow problems (batch-1 linear, 7x7 maps) then skip wide kernels' remainder paths. */
const struct sprig_f32_spmm_ukernel* sprig_fit_f32_spmm_ukernel(const struct sprig_hardware* hardware,
                                                                const struct sprig_f32_spmm_ukernel* chosen,
                                                                size_t pixels);

/* The best allowed ISA that has kernels in this build. */
enum sprig_isa sprig_best_isa(const struct sprig_hardware* hardware);

#endif /* SPRIG_CONFIG_H */
