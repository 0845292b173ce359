/* The int8 SpMM kernel list (kernels/qs8-spmm/list.inc) and its chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/qs8-spmm.h>

const struct sprig_qs8_spmm_ukernel sprig_qs8_spmm_ukernels[] = {
#define SPRIG_QS8_SPMM_FNS_c4(fn) fn, NULL, NULL, NULL
#define SPRIG_QS8_SPMM_FNS_terms(fn) NULL, fn, NULL, NULL
#define SPRIG_QS8_SPMM_FNS_quartets(fn) NULL, NULL, fn, fn##_pack
#define SPRIG_QS8_SPMM_UKERNEL(isa, mr, layout, unsigned_input, is_default, fn) \
  {#fn, SPRIG_QS8_SPMM_FNS_##layout(fn), sprig_qs8_spmm_layout_##layout, sprig_isa_##isa, mr, unsigned_input, is_default, false},
#define SPRIG_QS8_SPMM_UKERNEL_INORDER(isa, mr, layout, unsigned_input, is_default, fn) \
  {#fn, SPRIG_QS8_SPMM_FNS_##layout(fn), sprig_qs8_spmm_layout_##layout, sprig_isa_##isa, mr, unsigned_input, is_default, true},
#include <qs8-spmm/list.inc>
#undef SPRIG_QS8_SPMM_UKERNEL_INORDER
#undef SPRIG_QS8_SPMM_UKERNEL
#undef SPRIG_QS8_SPMM_FNS_c4
#undef SPRIG_QS8_SPMM_FNS_terms
#undef SPRIG_QS8_SPMM_FNS_quartets
};
const size_t sprig_qs8_spmm_ukernel_count = sizeof(sprig_qs8_spmm_ukernels) / sizeof(sprig_qs8_spmm_ukernels[0]);

static struct sprig_ukernel_traits qs8_spmm_traits(size_t i) {
  const struct sprig_qs8_spmm_ukernel* k = &sprig_qs8_spmm_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, k->mr, 1, false, k->is_default, k->inorder, false};
}

const struct sprig_qs8_spmm_ukernel* sprig_choose_qs8_spmm_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = {sprig_qs8_spmm_ukernel_count, qs8_spmm_traits};
  return &sprig_qs8_spmm_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}

/* Rows shorter than the chosen kernel's MR take the same ISA's kernel with the smallest MR that
 * covers them (an MR = 1 kernel for one pixel: vectorized over the entries); longer rows keep
 * the chosen one. Unlike f32 there is no switch to scalar for short rows: the SIMD kernels'
 * narrow tiles still take four input channels per instruction lane. A quartet kernel reads
 * whole 64-pixel blocks: below QUARTETS_FROM_PIXELS pixels the ISA's c4 kernels waste fewer
 * lanes, so the fit takes those. */
#define QUARTETS_FROM_PIXELS 32
const struct sprig_qs8_spmm_ukernel* sprig_fit_qs8_spmm_ukernel(const struct sprig_hardware* hardware,
                                                                const struct sprig_qs8_spmm_ukernel* chosen,
                                                                size_t pixels) {
  (void) hardware;
  if (pixels >= chosen->mr) {
    return chosen;
  }
  const bool quartets = chosen->layout == sprig_qs8_spmm_layout_quartets && pixels >= QUARTETS_FROM_PIXELS;
  /* The same ISA and kind of layout: the smallest MR that covers the pixels, else the largest. */
  const bool keep_kind = quartets == (chosen->layout == sprig_qs8_spmm_layout_quartets);
  const struct sprig_qs8_spmm_ukernel* best = keep_kind ? chosen : NULL;
  for (size_t i = 0; i < sprig_qs8_spmm_ukernel_count; i++) {
    const struct sprig_qs8_spmm_ukernel* k = &sprig_qs8_spmm_ukernels[i];
    if (k->isa != chosen->isa || quartets != (k->layout == sprig_qs8_spmm_layout_quartets)) {
      continue;
    }
    const bool covers = k->mr >= pixels, best_covers = best != NULL && best->mr >= pixels;
    if (best == NULL || (covers ? !best_covers || k->mr < best->mr : !best_covers && k->mr > best->mr)) {
      best = k;
    }
  }
  return best != NULL ? best : chosen;
}
