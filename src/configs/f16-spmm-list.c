/* The f16 SpMM kernel list (kernels/f16-spmm/list.inc) and its chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/f16-spmm.h>

const struct sprig_f16_spmm_ukernel sprig_f16_spmm_ukernels[] = {
#define SPRIG_F16_SPMM_UKERNEL(isa, mr, is_default, fn) {#fn, fn, sprig_isa_##isa, mr, is_default},
#include <f16-spmm/list.inc>
#undef SPRIG_F16_SPMM_UKERNEL
};
const size_t sprig_f16_spmm_ukernel_count = sizeof(sprig_f16_spmm_ukernels) / sizeof(sprig_f16_spmm_ukernels[0]);

static struct sprig_ukernel_traits f16_spmm_traits(size_t i) {
  const struct sprig_f16_spmm_ukernel* k = &sprig_f16_spmm_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, k->mr, 1, false, k->is_default, false, false};
}

static struct sprig_ukernel_list f16_spmm_list(void) {
  return (struct sprig_ukernel_list){sprig_f16_spmm_ukernel_count, f16_spmm_traits};
}

const struct sprig_f16_spmm_ukernel* sprig_choose_f16_spmm_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = f16_spmm_list();
  return &sprig_f16_spmm_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}

/* The kernel of chosen's ISA with the smallest MR >= pixels, or NULL. */
static const struct sprig_f16_spmm_ukernel* narrowest_covering(const struct sprig_f16_spmm_ukernel* chosen,
                                                               size_t pixels) {
  const struct sprig_f16_spmm_ukernel* best = NULL;
  for (size_t i = 0; i < sprig_f16_spmm_ukernel_count; i++) {
    const struct sprig_f16_spmm_ukernel* k = &sprig_f16_spmm_ukernels[i];
    if (k->isa == chosen->isa && k->mr >= pixels && (best == NULL || k->mr < best->mr)) {
      best = k;
    }
  }
  return best;
}

/* sprig_fit_ukernel's rules for rows longer or shorter than chosen's MR, within chosen's ISA,
 * but without its switch to scalar kernels for rows under 4 pixels: the f16 scalar kernels
 * widen every input in software, and at one pixel (sprig-bench --kernels, 1x1024x1024 at 90%)
 * the AVX2 and AVX-512F kernels ran about twice as fast as the 1x1 scalar one. */
const struct sprig_f16_spmm_ukernel* sprig_fit_f16_spmm_ukernel(const struct sprig_hardware* hardware,
                                                                const struct sprig_f16_spmm_ukernel* chosen,
                                                                size_t pixels) {
  (void) hardware;
  const struct sprig_f16_spmm_ukernel* covering = narrowest_covering(chosen, pixels);
  if (pixels > chosen->mr) {
    /* One pass over the weights instead of a second one for a few last pixels. */
    const bool few_left = pixels - chosen->mr < chosen->mr / 4;
    return covering != NULL && covering->mr <= 2 * chosen->mr && few_left ? covering : chosen;
  }
  return covering != NULL ? covering : chosen;
}
